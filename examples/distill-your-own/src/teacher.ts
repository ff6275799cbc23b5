/**
 * A teacher for the demo when none is given: a zoo architecture trained by dkl on the image
 * folder, exported to ONNX with dkl's own exporter (its graph input is NHWC, normalised as the
 * run's data). Any ONNX classifier can take its place (PyTorch's `torch.onnx.export` writes NCHW).
 */
import { join } from 'node:path';
import { executeRun, exportCommand, resolveConfig } from '@dkl/cli';
import { ONNX_FILE } from '@dkl/models';

export async function trainOnnxTeacher(options: { imageRoot: string; workDir: string; size?: number; epochs?: number; log?: (line: string) => void }): Promise<string> {
  const size = options.size ?? 32;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const transforms = [{ kind: 'resize', size: size + 4 }, { kind: 'center-crop', size }, { kind: 'to-float' }];
  const config = resolveConfig({
    name: 'teacher',
    seed: 1,
    data: {
      dataset: { name: 'image-folder', options: { root: options.imageRoot } },
      train: { split: 'train', batchSize: 8, transforms },
      eval: { val: { split: 'val', batchSize: 8, transforms } },
    },
    models: { student: { name: 'resnet8' } },
    trainer: { type: 'supervised', epochs: options.epochs ?? 6 },
    optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'constant', lr: 0.05 },
  });
  const run = await executeRun(config, { runsDir: join(options.workDir, 'teacher-runs'), cacheDir: join(options.workDir, 'cache'), progress: false, log });
  const out = join(options.workDir, 'teacher-onnx');
  await exportCommand(run.runDir, { format: 'onnx', out, log, print: log });
  return join(out, ONNX_FILE);
}
