import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// @ts-expect-error -- plain .mjs module without types
import { kdConfig, withPrecision } from '../configs.mjs';

const here = resolve(__dirname, '..');

describe('--precision', () => {
  it('bf16 sets backend.precision in a run config; fp32 leaves the backend default', () => {
    const bf16 = withPrecision(kdConfig('ikl', 0, 0.01), 'bf16');
    expect(bf16.backend).toEqual({ precision: 'bf16' });
    expect(bf16.trainer).toEqual(kdConfig('ikl', 0, 0.01).trainer);
    expect(withPrecision(kdConfig('ikl', 0, 0.01), 'fp32')).toEqual(kdConfig('ikl', 0, 0.01));
    expect(withPrecision({ backend: { prefer: ['cpu'] } }, 'bf16').backend).toEqual({ prefer: ['cpu'], precision: 'bf16' });
  });

  it('run.mjs refuses an unknown precision, naming the flag, before running anything', () => {
    const run = spawnSync(process.execPath, [join(here, 'run.mjs'), 'kd', '--precision', 'fp16', '--out', '/nonexistent/never-written'], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/--precision must be one of fp32, bf16, got 'fp16'/);
  });
});
