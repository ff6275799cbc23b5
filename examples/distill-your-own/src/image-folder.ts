/**
 * A small ImageNet-layout image folder (`root/{train,val}/<class>/*.png`) of class-coloured,
 * textured images of varied sizes, so the demo runs without a download.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const CLASSES = ['red', 'green', 'blue'] as const;

function picture(width: number, height: number, cls: number, seed: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const wave = Math.round(50 * Math.sin((x + 3 * seed) / 4) * Math.cos((y + seed) / 6));
      for (let c = 0; c < 3; c++) px[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, (c === cls ? 170 : 60) + (c === 2 ? -wave : wave)));
    }
  return px;
}

/** Writes `perClass` training and `perClass / 2` validation images per class; returns the class names. */
export async function writeDemoImageFolder(root: string, perClass = 16): Promise<readonly string[]> {
  for (const [split, count] of [['train', perClass], ['val', Math.max(1, perClass >> 1)]] as const) {
    for (const [cls, name] of CLASSES.entries()) {
      mkdirSync(join(root, split, name), { recursive: true });
      for (let k = 0; k < count; k++) {
        const width = 36 + ((k * 7 + cls) % 20);
        const height = 36 + ((k * 5 + 2 * cls) % 16);
        await sharp(picture(width, height, cls, k + (split === 'val' ? 100 : 0)), { raw: { width, height, channels: 3 } }).png().toFile(join(root, split, name, `${name}_${k}.png`));
      }
    }
  }
  return CLASSES;
}
