/**
 * A teacher for the demo when none is given: a zoo architecture trained by dkl on the image
 * folder, exported to ONNX with dkl's own exporter (its graph input is NHWC, normalised as the
 * run's data). Any ONNX classifier can take its place (PyTorch's `torch.onnx.export` writes NCHW).
 */
import { join } from 'node:path';
import { executeRun, exportCommand, resolveConfig } from '@dkl/cli';
import { ONNX_FILE } from '@dkl/models';
import { imageFolderData } from './folder-data.js';

export async function trainOnnxTeacher(options: { imageRoot: string; workDir: string; size?: number; epochs?: number; log?: (line: string) => void }): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const config = resolveConfig({
    name: 'teacher',
    seed: 1,
    data: imageFolderData(options.imageRoot, options.size ?? 32),
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
