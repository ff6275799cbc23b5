import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { componentRefSchema, ConfigError, DataError, isDklError, NamedRegistry, parseConfig, ShapeError } from '../src/index.js';

describe('parseConfig', () => {
  const schema = z.object({ trainer: z.object({ epochs: z.number().int().positive(), losses: z.array(componentRefSchema) }).strict() });

  it('returns parsed values with defaults', () => {
    const cfg = parseConfig(schema, { trainer: { epochs: 2, losses: [{ name: 'kd' }] } });
    expect(cfg.trainer.losses[0]).toEqual({ name: 'kd', options: {} });
  });

  it('names the key path of the first bad key and the allowed values', () => {
    try {
      parseConfig(z.object({ mode: z.enum(['min', 'max']) }), { mode: 'avg' }, 'plugins[2].options');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).keyPath).toBe('plugins[2].options.mode');
      expect((e as ConfigError).message).toMatch(/min.*max/);
      expect((e as ConfigError).code).toBe('DKL_CONFIG');
    }
    expect(() => parseConfig(schema, { trainer: { epochs: 0, losses: [{ name: '' }] } })).toThrow(/trainer\.epochs.*and 1 more.*trainer\.losses\[0\]\.name/);
  });
});

describe('errors and registries', () => {
  it('carry stable codes and name what was wrong', () => {
    const shape = new ShapeError('logits', 'rank 2 [B, C]', [3]);
    expect(shape.message).toBe("argument 'logits' must be rank 2 [B, C], got [3]");
    expect(isDklError(shape, 'DKL_SHAPE')).toBe(true);
    expect(new DataError('/data/x.bin', 'truncated').message).toBe('/data/x.bin: truncated');
    expect(isDklError(new Error('x'))).toBe(false);
  });

  it('NamedRegistry lists what is registered when a name is unknown', () => {
    const registry = new NamedRegistry('model', [{ name: 'resnet8' }, { name: 'wrn_16_2' }]);
    expect(registry.get('resnet8').name).toBe('resnet8');
    expect(() => registry.get('resnet9', 'model.name')).toThrow("config key 'model.name': unknown model 'resnet9'; registered: resnet8, wrn_16_2");
  });
});
