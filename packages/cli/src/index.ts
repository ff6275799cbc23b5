/**
 * @dkl/cli: the `dkl` command and its building blocks: run configs (zod, YAML, JSON Schema),
 * presets for the DKL/IKL paper's published settings, mdistiller config import, run assembly and
 * execution with run directories, HTML reports, and the Fashion-MNIST quick start.
 * @packageDocumentation
 */
export { applyOverride } from './overrides.js';
export { runConfigSchema, buildRunConfigSchema, looseParts, trainerOwnOptions, type ContributedSchemas, type RunConfig, type RunConfigInput } from './config/run-config.js';
export { runConfigJsonSchema, contributedSchemas } from './config/composed-schema.js';
export { readConfigFile, resolveConfig } from './config/load-config.js';
export { listPresets, getPreset, CIFAR100_PAIRS, type PresetEntry } from './presets/index.js';
export {
  parseMdistillerConfig,
  mdistillerToRunConfig,
  resolveMdistillerConfig,
  type MdistillerOptions,
  type MdistillerMappingOptions,
  type MdistillerConfig,
} from './mdistiller/index.js';
export {
  renderRunReport,
  renderComparisonReport,
  renderGroupedComparisonReport,
  summarizeGroups,
  cellTable,
  finalMetrics,
  meanStd,
  formatMeanStd,
  lineChartSvg,
  heatmapSvg,
  comparisonSeries,
  groupedSeries,
  type RunReportData,
  type ChartSeries,
  type RunGroup,
  type CellSummary,
  type MeanStd,
} from './report/index.js';
export { createApplication, loadPluginPackage, FRAMEWORK_MODULES, type Application } from './run/application.js';
export { assembleRun, type AssembledRun, type AssembleOptions } from './run/assemble.js';
export { executeRun, type ExecutedRun, type ExecuteOptions } from './run/execute.js';
export { validateAgainstRegistries } from './run/validate.js';
export { createRunDirectory, runFiles, type RunSummary } from './run/run-directory.js';
export { readRunReportData, writeRunReport, writeComparisonReport, writeGroupedComparisonReport, type RunDirGroup } from './run/write-report.js';
export { formatTable } from './commands/results-table.js';
export { trainCommand, loadConfigSpec, summarizeRun } from './commands/train-command.js';
export { resumeCommand } from './commands/resume-command.js';
export { evalCommand } from './commands/eval-command.js';
export { exportCommand, loadRunStudent, type ExportCommandOptions, type RunStudent } from './commands/export-command.js';
export { predictCommand, type PredictCommandOptions, type Prediction } from './commands/predict-command.js';
export { loadRunWeights, RUN_WEIGHTS, type RunWeights, type LoadedRunWeights } from './run/run-weights.js';
export { reportCommand } from './commands/report-command.js';
export { quickstartCommand, quickstartConfig, QUICKSTART_LOSSES } from './commands/quickstart.js';
export { buildProgram, main } from './program.js';
export { CommandContribution, COMMAND_PACKAGES, loadCommandContributions, type CommandContext } from './commands/command-contribution.js';
export { versionCommand, dklPackageVersions } from './commands/version-command.js';
export { EXIT, describeFailure } from './commands/exit-codes.js';
