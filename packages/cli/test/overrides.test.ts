import { describe, expect, it } from 'vitest';
import { applyOverride } from '../src/index.js';

describe('applyOverride', () => {
  it('sets nested keys with JSON-typed values without mutating the input', () => {
    const base = { trainer: { epochs: 240 }, name: 'x' };
    const out = applyOverride(applyOverride(base, 'trainer.epochs=2'), 'optimizer.lr=0.05');
    expect(out).toEqual({ trainer: { epochs: 2 }, name: 'x', optimizer: { lr: 0.05 } });
    expect(base.trainer.epochs).toBe(240);
    expect(applyOverride(base, 'name=resnet8x4').name).toBe('resnet8x4');
  });

  it('names the bad key', () => {
    expect(() => applyOverride({}, 'epochs')).toThrow(/key\.path=value/);
    expect(() => applyOverride({ name: 'x' }, 'name.inner=1')).toThrow(/config key 'name\.inner'.*'name'/);
  });
});
