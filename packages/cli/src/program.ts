/** The `dkl` command's program. Exit codes: 0 success, 1 run failed, 2 bad config or input. */
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { stringify as toYaml } from 'yaml';
import { runConfigJsonSchema } from './config/composed-schema.js';
import { applyOverride } from './overrides.js';
import { createApplication } from './run/application.js';
import { listPresets, getPreset } from './presets/index.js';
import { describeFailure, EXIT } from './commands/exit-codes.js';
import { evalCommand } from './commands/eval-command.js';
import { reportCommand } from './commands/report-command.js';
import { resumeCommand } from './commands/resume-command.js';
import { trainCommand } from './commands/train-command.js';
import { quickstartCommand } from './commands/quickstart.js';
import { versionCommand } from './commands/version-command.js';
import { dataDownloadCommand } from './commands/data-command.js';
import { exportCommand } from './commands/export-command.js';
import { predictCommand } from './commands/predict-command.js';
import { loadCommandContributions, type CommandContribution } from './commands/command-contribution.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** `--precision`: fp32 or bf16. */
function parsePrecision(value: string): 'fp32' | 'bf16' {
  if (value === 'fp32' || value === 'bf16') return value;
  throw new InvalidArgumentError(`must be fp32 or bf16, got '${value}'`);
}

/** The `dkl` program with its own commands and those `contributions` add (see `loadCommandContributions`). */
export function buildProgram(contributions: readonly CommandContribution[] = []): Command {
  const program = new Command('dkl')
    .description('Decoupled / Improved KL losses: knowledge distillation and adversarial training on TensorFlow.js')
    .option('--runs-dir <dir>', 'where run directories are created', 'runs')
    .option('--cache-dir <dir>', 'cache of trained teachers', '.cache/dkl')
    .option('--no-progress', 'no progress bar')
    // Handled by main() before parsing; not a commander option, so that `dkl eval --version plus` is eval's.
    .addHelpText('after', '\n  dkl -V, --version   print the dkl package versions and the backend a run would use')
    .showHelpAfterError();
  const common = () => {
    const o = program.opts<{ runsDir: string; cacheDir: string; progress: boolean }>();
    return { runsDir: o.runsDir, cacheDir: o.cacheDir, progress: o.progress };
  };

  program
    .command('train')
    .argument('<config>', 'YAML/JSON config file, or a preset name (see `dkl presets`)')
    .option('--set <key=value>', 'override a config key (repeatable), e.g. --set trainer.epochs=2', collect, [])
    .option('--dry-run', 'validate, resolve and build the container, print the resolved config, do not train')
    .option('--mdistiller', 'read <config> as an mdistiller / DKL-repository yacs YAML')
    .option('--data-dir <dir>', 'dataset directory for --mdistiller configs')
    .description('train a configured run')
    .action(async (config: string, o: { set: string[]; dryRun?: boolean; mdistiller?: boolean; dataDir?: string }) => {
      const run = await trainCommand(config, { ...common(), set: o.set, dryRun: o.dryRun ?? false, mdistiller: o.mdistiller ?? false, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
      if (run && run.result.status === 'failed') process.exitCode = EXIT.runFailed;
    });

  program
    .command('resume')
    .argument('<run-dir>', 'a run directory with checkpoints/last.ckpt')
    .description('continue a stopped or killed run exactly where its last checkpoint left it')
    .action(async (runDir: string) => {
      const run = await resumeCommand(runDir, common());
      if (run?.result.status === 'failed') process.exitCode = EXIT.runFailed;
    });

  program
    .command('eval')
    .argument('<run-dir>', 'a run directory')
    .option('--attack <name>', 'robust accuracy under a registered attack: pgd (PGD-20), autoattack, fgsm, cw, apgd-ce, apgd-dlr, apgd-t, fab, fab-t, square, or a package\'s')
    .option('--version <version>', 'AutoAttack version: standard, plus or rand (same as --attack-option version=...)')
    .option('--norm <norm>', 'threat model: linf or l2', 'linf')
    .option('--attack-option <key=value>', "the attack's own option (repeatable), e.g. steps=50, restarts=5", collect, [])
    .option('--eps <number>', 'attack radius (default: the run config, else 8/255)', parseFloat)
    .option('--split <name>', 'evaluation split (default: the first in data.eval)')
    .option('--n-ex <n>', 'attack the first n examples of the split (default: all of them)', (v) => parseInt(v, 10))
    .option('--limit <n>', 'same as --n-ex', (v) => parseInt(v, 10))
    .option('--batch-size <n>', 'examples per attack call (default 128)', (v) => parseInt(v, 10))
    .option('--checkpoint <which>', 'best or last', 'best')
    .option('--weights <which>', 'best, last or averaged (the weight-averaging plugin\'s); overrides --checkpoint')
    .option('--json', 'print the metrics as JSON')
    .description('evaluate a trained run, clean and optionally under attack (resumable: state and result in <run-dir>/robust-eval/)')
    .action(async (runDir: string, o: { attack?: string; version?: string; norm: string; attackOption: string[]; eps?: number; split?: string; nEx?: number; limit?: number; batchSize?: number; checkpoint: 'best' | 'last'; weights?: 'best' | 'last' | 'averaged'; json?: boolean }) => {
      const attackOptions = o.attackOption.reduce<Record<string, unknown>>((acc, assignment) => applyOverride(acc, assignment), {});
      if (o.version !== undefined) attackOptions['version'] = o.version;
      const usage = (message: string) => Object.assign(new Error(message), { exit: EXIT.configError });
      if (o.weights && !['best', 'last', 'averaged'].includes(o.weights)) throw usage(`--weights must be best, last or averaged, got '${o.weights}'`);
      if (o.norm !== 'linf' && o.norm !== 'l2') throw usage(`--norm must be linf or l2, got '${o.norm}'`);
      const limit = o.nEx ?? o.limit;
      for (const [flag, value] of [['--n-ex', limit], ['--batch-size', o.batchSize]] as const) {
        if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw usage(`${flag} must be an integer >= 1, got '${value}'`);
      }
      if (o.version !== undefined && !o.attack) throw usage('--version needs --attack autoattack');
      await evalCommand(runDir, {
        ...(o.attack ? { attack: o.attack, attackOptions } : {}),
        ...(o.eps !== undefined ? { epsilon: o.eps } : {}),
        ...(o.split ? { split: o.split } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
        norm: o.norm,
        checkpoint: o.checkpoint,
        ...(o.weights ? { weights: o.weights } : {}),
        json: o.json ?? false,
      });
    });

  program
    .command('export')
    .argument('<run-dir>', 'a trained run directory')
    .requiredOption('--format <format>', 'tfjs-layers, tfjs-graph or onnx')
    .option('--weights <which>', 'best, last or averaged', 'best')
    .option('--quantize <mode>', 'none, float16 or uint8 weights (tfjs formats)', 'none')
    .option('--out <dir>', 'directory to write (default <run-dir>/export/<format>)')
    .description("export a run's student for deployment: TensorFlow.js layers / graph model or ONNX")
    .action(async (runDir: string, o: { format: string; weights: string; quantize: string; out?: string }) => {
      await exportCommand(runDir, { format: o.format, weights: o.weights, quantize: o.quantize, ...(o.out ? { out: o.out } : {}) });
    });

  program
    .command('predict')
    .argument('<exported-model-or-run>', 'a tfjs export (dkl export) or a run directory (best weights)')
    .argument('<images...>', 'PNG / JPEG files or folders of them')
    .option('--top <k>', 'classes to print per image', (v) => parseInt(v, 10), 5)
    .description('classify image files with an exported model or a trained run, using its recorded normalisation and class names')
    .action(async (target: string, images: string[], o: { top: number }) => {
      await predictCommand(target, images, { top: o.top });
    });

  program
    .command('report')
    .argument('<run-dirs...>', 'one or more run directories')
    .option('--out <file>', 'comparison report file (several runs)')
    .description('write report.html for runs (and a comparison report for several)')
    .action(async (dirs: string[], o: { out?: string }) => {
      await reportCommand(dirs, o.out ? { out: o.out } : {});
    });

  program
    .command('data')
    .description('dataset utilities')
    .command('download')
    .argument('<name>', 'cifar10, cifar100, mnist or fashion-mnist')
    .option('--dir <dir>', 'data cache root (default: DKL_DATA_DIR, else the user cache dir)')
    .option('--url <url>', 'mirror base URL (default: DKL_DATA_MIRROR, else the official URL)')
    .description('download a dataset (official files, checksum-verified, resumable) into the data cache')
    .action(async (name: string, o: { dir?: string; url?: string }) => {
      await dataDownloadCommand(name, { ...o, progress: common().progress });
    });

  program
    .command('presets')
    .argument('[name]', 'print this preset as YAML')
    .description("list the presets for the DKL/IKL paper's published settings")
    .action((name?: string) => {
      if (name) {
        process.stdout.write(toYaml(getPreset(name)));
        return;
      }
      for (const p of listPresets()) process.stdout.write(`${p.name.padEnd(40)} ${p.description}\n`);
    });

  const contributedSchemas = (): Record<string, unknown> => Object.assign({}, ...contributions.map((c) => c.schemas?.() ?? {}));
  program
    .command('schema')
    .argument('[name]', `print only this file kind's schema: run${contributions.length ? `, ${Object.keys(contributedSchemas()).join(', ')}` : ''}`)
    .option('--package <name>', 'also compose what this plugin package registers (repeatable)', collect, [])
    .description('print the JSON Schema of run configs, composed from every registered trainer, transform, loss, plugin, model and dataset (for editor completion), with the schemas of contributed file kinds (sweep files) under $defs')
    .action(async (name: string | undefined, o: { package: string[] }) => {
      const extra = contributedSchemas();
      if (name && name !== 'run' && !(name in extra)) throw Object.assign(new Error(`unknown schema '${name}' (known: run${Object.keys(extra).map((k) => `, ${k}`).join('')})`), { exit: EXIT.configError });
      const run = runConfigJsonSchema(await createApplication(o.package)) as Record<string, unknown>;
      const schema = name === 'run' ? run : name ? extra[name] : Object.keys(extra).length ? { ...run, $defs: { ...((run['$defs'] as object | undefined) ?? {}), ...extra } } : run;
      process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    });

  program
    .command('quickstart')
    .option('--students <list>', 'comma-separated: ce,kd,dkd,ikl', 'ce,kd,dkd,ikl')
    .option('--seeds <n>', 'seeds per student', (v) => parseInt(v, 10), 3)
    .option('--scale <factor>', 'multiply data sizes and epochs (0.1 for a smoke run)', parseFloat, 1)
    .option('--precision <fp32|bf16>', "dkl-native's convolutions and matmuls in bf16 (fp32 accumulation; falls back to fp32 without AVX512_BF16)", parsePrecision)
    .description('Fashion-MNIST knowledge-distillation quick start: a teacher, then CE / KD / DKD / IKL students; prints a table')
    .action(async (o: { students: string; seeds: number; scale: number; precision?: 'fp32' | 'bf16' }) => {
      await quickstartCommand({
        ...common(),
        students: o.students.split(',').map((s) => s.trim()),
        seeds: o.seeds,
        scale: o.scale,
        ...(o.precision ? { precision: o.precision } : {}),
      });
    });
  for (const contribution of contributions) contribution.register(program, { common });
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    // Asynchronous (it loads the backend it reports), so not commander's synchronous .version().
    if (argv[2] === '--version' || argv[2] === '-V') {
      await versionCommand();
      return EXIT.ok;
    }
    await buildProgram(await loadCommandContributions()).parseAsync([...argv]);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    const { code, message } = describeFailure(error);
    const exit = (error as { exit?: number }).exit ?? code;
    process.stderr.write(`${message}\n`);
    process.exitCode = exit;
    return exit;
  }
}

