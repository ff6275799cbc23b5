/**
 * The worked example: a Keras-style tfjs student (built in code, saved as model.json) distilled
 * with IKL from an ONNX teacher on an image folder, then exported as a tfjs layers model. Only
 * the run config says where the models come from: `source: tfjs` for the student, `source: onnx`
 * (with the teacher's input layout and normalisation) for the teacher, whose logits are cached
 * (the inputs are deterministic: resize + center-crop, no random augmentation).
 */
import { join } from 'node:path';
import { executeRun, exportCommand, resolveConfig, type ExecutedRun, type RunConfigInput } from '@dkl/cli';
import { fileSystemIOHandler } from '@dkl/models';
import { imageFolderData } from './folder-data.js';
import { buildStudent } from './student.js';

export interface DistillOptions {
  /** Image folder with `train/` and `val/` class directories. */
  readonly imageRoot: string;
  /** The teacher .onnx file. */
  readonly teacher: string;
  readonly numClasses: number;
  /** Where the student's model.json, the runs and the export go. */
  readonly workDir: string;
  /** The teacher's input layout (PyTorch exports NCHW). */
  readonly teacherLayout?: 'nchw' | 'nhwc';
  /** How the teacher wants its input normalised (from the dkl input, which is 0-1 here). */
  readonly teacherNormalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly epochs?: number;
  readonly size?: number;
  readonly log?: (line: string) => void;
}

export interface DistillResult {
  readonly run: ExecutedRun;
  /** The exported student: a tfjs layers model directory (model.json + shards). */
  readonly exported: string;
}

/** The run config of the example (what a YAML file would hold). */
export function distillConfig(options: DistillOptions, studentPath: string): RunConfigInput {
  return {
    name: 'distill-your-own',
    seed: 7,
    data: imageFolderData(options.imageRoot, options.size ?? 32),
    models: {
      student: { source: 'tfjs', path: studentPath, features: { stage1: 'stage1' } },
      teacher: {
        source: 'onnx',
        path: options.teacher,
        inputLayout: options.teacherLayout ?? 'nchw',
        ...(options.teacherNormalize ? { normalize: { mean: [...options.teacherNormalize.mean], std: [...options.teacherNormalize.std] } } : {}),
        cache: true,
      },
    },
    trainer: { type: 'distillation', epochs: options.epochs ?? 6, losses: [{ name: 'ikl', options: { temperature: 4, ceWeight: 1 } }] },
    optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'constant', lr: 0.05 },
  } as RunConfigInput;
}

export async function distillYourOwn(options: DistillOptions): Promise<DistillResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const size = options.size ?? 32;
  const studentPath = join(options.workDir, 'student');
  const student = buildStudent({ numClasses: options.numClasses, inputShape: [size, size, 3] });
  await student.save(fileSystemIOHandler(studentPath));
  student.dispose();
  const config = resolveConfig(distillConfig(options, studentPath) as Record<string, unknown>);
  const run = await executeRun(config, { runsDir: join(options.workDir, 'runs'), cacheDir: join(options.workDir, 'cache'), progress: false, log });
  const exported = join(options.workDir, 'student-trained');
  await exportCommand(run.runDir, { format: 'tfjs-layers', out: exported, log, print: log });
  return { run, exported };
}
