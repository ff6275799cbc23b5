/** The `dkl` command's program. Exit codes: 0 success, 1 run failed, 2 bad config or input. */
import 'reflect-metadata';
import { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { runConfigJsonSchema } from './config/run-config.js';
import { listPresets, getPreset } from './presets/index.js';
import { describeFailure, EXIT } from './commands/exit-codes.js';
import { evalCommand } from './commands/eval-command.js';
import { reportCommand } from './commands/report-command.js';
import { resumeCommand } from './commands/resume-command.js';
import { trainCommand } from './commands/train-command.js';
import { quickstartCommand } from './commands/quickstart.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function buildProgram(): Command {
  const program = new Command('dkl')
    .description('Decoupled / Improved KL losses: knowledge distillation and adversarial training on TensorFlow.js')
    .option('--runs-dir <dir>', 'where run directories are created', 'runs')
    .option('--cache-dir <dir>', 'cache of trained teachers', '.cache/dkl')
    .option('--no-progress', 'no progress bar')
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
    .option('--attack <name>', 'robust accuracy under pgd (PGD-20) or autoattack (standard)')
    .option('--eps <number>', 'attack radius (default: the run config, else 8/255)', parseFloat)
    .option('--split <name>', 'evaluation split (default: the first in data.eval)')
    .option('--limit <n>', 'examples to attack (default 512)', (v) => parseInt(v, 10))
    .option('--checkpoint <which>', 'best or last', 'best')
    .option('--json', 'print the metrics as JSON')
    .description('evaluate a trained run, clean and optionally under attack')
    .action(async (runDir: string, o: { attack?: 'pgd' | 'autoattack'; eps?: number; split?: string; limit?: number; checkpoint: 'best' | 'last'; json?: boolean }) => {
      if (o.attack && o.attack !== 'pgd' && o.attack !== 'autoattack') throw Object.assign(new Error(`--attack must be pgd or autoattack, got '${o.attack}'`), { exit: EXIT.configError });
      await evalCommand(runDir, { ...(o.attack ? { attack: o.attack } : {}), ...(o.eps !== undefined ? { epsilon: o.eps } : {}), ...(o.split ? { split: o.split } : {}), ...(o.limit ? { limit: o.limit } : {}), checkpoint: o.checkpoint, json: o.json ?? false });
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

  program
    .command('schema')
    .description('print the JSON Schema of run configs (for editor completion)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(runConfigJsonSchema(), null, 2)}\n`);
    });

  program
    .command('quickstart')
    .option('--students <list>', 'comma-separated: ce,kd,dkd,ikl', 'ce,kd,dkd,ikl')
    .option('--seeds <n>', 'seeds per student', (v) => parseInt(v, 10), 3)
    .option('--scale <factor>', 'multiply data sizes and epochs (0.1 for a smoke run)', parseFloat, 1)
    .description('Fashion-MNIST knowledge-distillation quick start: a teacher, then CE / KD / DKD / IKL students; prints a table')
    .action(async (o: { students: string; seeds: number; scale: number }) => {
      await quickstartCommand({ ...common(), students: o.students.split(',').map((s) => s.trim()), seeds: o.seeds, scale: o.scale });
    });
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    const { code, message } = describeFailure(error);
    const exit = (error as { exit?: number }).exit ?? code;
    process.stderr.write(`${message}\n`);
    process.exitCode = exit;
    return exit;
  }
}

