/**
 * The `data` block both runs of the example use: the image folder's `train` and `val` splits,
 * resized to `size + 4` on the shorter side, centre-cropped to `size` and scaled to 0-1.
 */
import type { RunConfigInput } from '@dkl/cli';

export function imageFolderData(imageRoot: string, size: number): RunConfigInput['data'] {
  const transforms = [{ kind: 'resize', size: size + 4 }, { kind: 'center-crop', size }, { kind: 'to-float' }];
  return {
    dataset: { name: 'image-folder', options: { root: imageRoot } },
    train: { split: 'train', batchSize: 8, transforms },
    eval: { val: { split: 'val', batchSize: 8, transforms } },
  };
}
