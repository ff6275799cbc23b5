/**
 * `dkl train` from a config alone on an ImageNet-layout folder (root/{train,val}/<class>/*.jpg)
 * of real JPEGs of varied sizes: streamed, decoded by sharp, RandomResizedCrop + flip for
 * training, Resize + CenterCrop for evaluation.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../dist/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'dkl-cli-imagenet-'));
const root = join(dir, 'imagenet');

/** A smooth class-coloured photo-like image so classes are learnable. */
function photo(width: number, height: number, cls: number, seed: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const wave = Math.round(40 * Math.sin((x + seed) / 5) * Math.cos(y / 7));
      px[i] = Math.max(0, Math.min(255, (cls === 0 ? 200 : 40) + wave));
      px[i + 1] = Math.max(0, Math.min(255, (cls === 1 ? 200 : 40) + wave));
      px[i + 2] = Math.max(0, Math.min(255, (cls === 2 ? 200 : 40) - wave));
    }
  return px;
}

beforeAll(async () => {
  const sizes = [
    [40, 30],
    [23, 57],
    [64, 48],
    [31, 31],
  ];
  for (const [split, perClass] of [
    ['train', 4],
    ['val', 2],
  ] as const) {
    for (const [c, name] of ['n01', 'n02', 'n03'].entries()) {
      mkdirSync(join(root, split, name), { recursive: true });
      for (let k = 0; k < perClass; k++) {
        const [w, h] = sizes[(k + c) % sizes.length]!;
        await sharp(photo(w!, h!, c, k), { raw: { width: w!, height: h!, channels: 3 } })
          .jpeg({ quality: 85 })
          .toFile(join(root, split, name, `${name}_${k}.JPEG`));
      }
    }
  }
});

describe('dkl train on an image folder of varied-size JPEGs', () => {
  it('trains and evaluates from a config with no code', () => {
    const normalize = { kind: 'normalize', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const config = {
      name: 'folder',
      seed: 1,
      backend: { prefer: ['cpu'] },
      data: {
        dataset: { name: 'image-folder', options: { root } },
        train: { split: 'train', batchSize: 4, transforms: [{ kind: 'random-resized-crop', size: 16 }, { kind: 'random-flip' }, normalize] },
        eval: { val: { split: 'val', batchSize: 3, transforms: [{ kind: 'resize', size: 18 }, { kind: 'center-crop', size: 16 }, normalize] } },
      },
      models: { student: { name: 'tiny_cnn' } },
      trainer: { type: 'supervised', epochs: 2 },
      optimizer: { name: 'sgd', momentum: 0.9 },
      schedule: { name: 'multistep', lr: 0.05, milestones: [] },
    };
    const file = join(dir, 'folder.yaml');
    writeFileSync(file, stringify(config));
    const env = { ...process.env, DKL_BACKEND: 'cpu', DKL_DATA_DIR: join(dir, 'data-cache') };
    const dry = spawnSync(process.execPath, [BIN, 'train', file, '--dry-run'], { cwd: dir, encoding: 'utf8', env, timeout: 120_000 });
    expect(dry.stderr).toBe('');
    expect(JSON.parse(dry.stdout).data.train.transforms[0]).toEqual({ kind: 'random-resized-crop', size: 16, scale: [0.08, 1], ratio: [0.75, 4 / 3] });
    const run = spawnSync(process.execPath, [BIN, 'train', file, '--runs-dir', join(dir, 'runs'), '--no-progress'], { cwd: dir, encoding: 'utf8', env, timeout: 300_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const runs = join(dir, 'runs');
    const summaries = spawnSync('find', [runs, '-name', 'summary.json'], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(summaries.length).toBe(1);
    const summary = JSON.parse(readFileSync(summaries[0]!, 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(summary)).toMatch(/val/);
    // The folder index was cached under DKL_DATA_DIR.
    expect(existsSync(join(dir, 'data-cache', 'index'))).toBe(true);
  });

  it('a bad transform key fails the dry run naming it', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      stringify({
        name: 'bad',
        data: { dataset: { name: 'image-folder', options: { root } }, train: { split: 'train', batchSize: 4, transforms: [{ kind: 'random-resized-crop', size: 16, scales: [0.5, 1] }] } },
        models: { student: { name: 'tiny_cnn' } },
        trainer: { type: 'supervised', epochs: 1 },
        optimizer: { name: 'sgd' },
        schedule: { name: 'multistep', lr: 0.05, milestones: [] },
      }),
    );
    const r = spawnSync(process.execPath, [BIN, 'train', file, '--dry-run'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/config key 'data\.train\.transforms\[0\]': Unrecognized key: "scales"/);
  });
});
