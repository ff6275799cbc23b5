/**
 * `dkl sweep plan|run|submit|status|report` and `dkl worker`, contributed to the `dkl` command
 * through the CLI's `CommandContribution` point (the bin loads `@dkl/sweeps/commands` when the
 * package is installed). Heavy modules (BullMQ) load only when a command runs.
 * @packageDocumentation
 */
import { CommandContribution, EXIT } from '@dkl/cli';
import type { Command } from 'commander';
import { ContainerModule } from 'inversify';
import { sweepFileJsonSchema } from '../sweep-file.js';
import { sweepPlanCommand, sweepReportCommand, sweepRunCommand, sweepStatusCommand, sweepSubmitCommand, workerCommand } from './sweep-commands.js';

/** Parses an integer option; the command checks its range and names the option. */
const integer = (v: string) => parseInt(v, 10);

function registerSweepCommands(program: Command): void {
  const sweep = program.command('sweep').description('hyperparameter sweeps: a grid / random search over config keys and seeds, on this machine or many (BullMQ + Redis)');
  sweep
    .command('plan')
    .argument('<sweep-file>', 'sweep YAML')
    .option('--dir <dir>', 'sweep directory (default: runs/<name> next to the sweep file)')
    .description('resolve and validate every trial, print the trial table')
    .action(async (file: string, o: { dir?: string }) => {
      await sweepPlanCommand(file, o);
    });
  sweep
    .command('run')
    .argument('<sweep-file>', 'sweep YAML')
    .option('--workers <n>', 'trial processes at a time', integer, 1)
    .option('--dir <dir>', 'sweep directory (default: runs/<name> next to the sweep file)')
    .option('--fresh-processes', 'one new process per trial (default: a completed trial\'s process runs a later trial, skipping the reload)')
    .description('run the sweep on this machine (no Redis); completed trials are skipped')
    .action(async (file: string, o: { workers: number; dir?: string; freshProcesses?: boolean }) => {
      const failed = await sweepRunCommand(file, o);
      if (failed > 0) process.exitCode = EXIT.runFailed;
    });
  sweep
    .command('submit')
    .argument('<sweep-file>', 'sweep YAML')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://host:6379')
    .option('--dir <dir>', 'shared sweep directory every worker sees at this path (default: runs/<name> next to the sweep file)')
    .description('enqueue the trials for `dkl worker`s (BullMQ queue dkl-sweep-<name>); resubmitting adds no trial')
    .action(async (file: string, o: { redis: string; dir?: string }) => {
      await sweepSubmitCommand(file, o);
    });
  sweep
    .command('status')
    .argument('<sweep-file>', 'sweep YAML')
    .option('--redis <url>', 'also ask the queue (which worker, retries)')
    .option('--dir <dir>', 'sweep directory')
    .option('--json', 'print JSON')
    .description('queued / running (worker, epoch) / done / failed per trial')
    .action(async (file: string, o: { redis?: string; dir?: string; json?: boolean }) => {
      await sweepStatusCommand(file, o);
    });
  sweep
    .command('report')
    .argument('<sweep-file>', 'sweep YAML')
    .option('--redis <url>', 'also ask the queue')
    .option('--dir <dir>', 'sweep directory')
    .option('--format <format>', 'table (mean ± std per cell), json or csv (one row per trial)', 'table')
    .description('compare the cells: mean ± std over seeds, and report.html with grouped curves in the sweep directory')
    .action(async (file: string, o: { redis?: string; dir?: string; format: string }) => {
      await sweepReportCommand(file, o);
    });
  program
    .command('worker')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://host:6379')
    .option('--concurrency <n>', 'trials at a time (per sweep)', integer, 1)
    .option('--lock-ms <ms>', 'job lock: a worker silent this long loses its trial to another (default 30000)', integer)
    .option('--fresh-processes', 'one new process per trial (default: a completed trial\'s process runs a later trial, skipping the reload)')
    .option('--prestart-threads <n>', 'thread count of the trial processes loaded at start, so the first trials start at once (0: none)', integer, 1)
    .description('run trials of submitted sweeps, each in a child process, until SIGINT / SIGTERM')
    .action(async (o: { redis: string; concurrency: number; lockMs?: number; freshProcesses?: boolean; prestartThreads: number }) => {
      await workerCommand(o);
    });
}

/** Binds the sweep commands as a `CommandContribution`. */
export const commandsModule = new ContainerModule(({ bind }) => {
  bind<CommandContribution>(CommandContribution).toConstantValue({
    source: '@dkl/sweeps',
    register: (program) => registerSweepCommands(program),
    schemas: () => ({ sweep: sweepFileJsonSchema() }),
  });
});
