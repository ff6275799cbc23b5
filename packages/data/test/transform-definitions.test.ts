import { describe, expect, it } from 'vitest';
import { Container } from 'inversify';
import { z } from 'zod';
import { SeededRng } from '@dkl/core';
import {
  builtinTransformDefinitions,
  compilePipeline,
  dataModule,
  defineImageTransform,
  fixedShapeTransformDefinitions,
  ImageTransformDefinition,
  runPipeline,
  TransformRegistry,
  TransformStepError,
  type ImageBuffer,
  type TransformSpec,
} from '../src/index.js';
import { planParams } from '../src/transforms/plan.js';

const FIXED = ['pad-resize', 'random-crop', 'random-flip', 'cutout', 'normalize', 'to-float'];

describe('the fixed-shape kinds are ImageTransformDefinitions like every other kind', () => {
  it('dataModule binds all fourteen; a registry without the bindings knows none of them', async () => {
    const container = new Container();
    await container.load(dataModule);
    const bound = container.getAll<ImageTransformDefinition<any>>(ImageTransformDefinition);
    expect(bound.map((d) => d.kind)).toEqual(builtinTransformDefinitions.map((d) => d.kind));
    expect(fixedShapeTransformDefinitions.map((d) => d.kind)).toEqual(FIXED);
    const registry = new TransformRegistry(bound);
    expect(registry.kinds()).toHaveLength(14);
    expect(registry.validate({ kind: 'random-crop', padding: 4 }, 'data.train.transforms[0]')).toEqual({ kind: 'random-crop', padding: 4 });
    expect(() => registry.validate({ kind: 'cutout', size: 0 }, 'data.train.transforms[1]')).toThrow(/data\.train\.transforms\[1\]\.size/);
    expect(() => new TransformRegistry([]).validate({ kind: 'random-crop', padding: 4 }, 'data.train.transforms[0]')).toThrow(/unknown transform 'random-crop'/);
    expect(() => new TransformRegistry([...bound, fixedShapeTransformDefinitions[4]!])).toThrow(/two transform contributions .* 'normalize'/);
  });

  it('a definition applied directly (no spare buffer) gives the pipeline runner\'s pixels', () => {
    const shape = [6, 5, 3] as const;
    const image = new Uint8Array(6 * 5 * 3).map((_, i) => (i * 37) % 256);
    const specs: TransformSpec[] = [{ kind: 'random-crop', padding: 2 }, { kind: 'random-flip', p: 1 }, { kind: 'cutout', size: 2 }, { kind: 'normalize', mean: [0.5], std: [0.25] }];
    const pipeline = compilePipeline(shape, specs);
    const params = planParams(pipeline, 1, new SeededRng('direct'));
    const viaRunner = runPipeline(pipeline, image, 1, params, new Float32Array(image.length));
    let current: ImageBuffer = { data: Float32Array.from(image), height: 6, width: 5, channels: 3 };
    pipeline.steps.forEach((step, i) => {
      current = fixedShapeTransformDefinitions.find((d) => d.kind === step.spec.kind)!.apply(step.spec, current, params, step.paramOffset);
      expect([current.height, current.width, current.channels], specs[i]!.kind).toEqual([...step.outShape]);
    });
    expect(current.data).toEqual(viaRunner);
  });
});

// A contributed kind using what the built-ins use: the step's input shape when planning, the
// runner's spare buffer, a scaling step, and a TransformStepError naming its key.
const tileSchema = z.object({ kind: z.literal('test-tile'), rows: z.number().int().positive() }).strict();
type TileSpec = z.output<typeof tileSchema>;
const tile = defineImageTransform<TileSpec>({
  kind: 'test-tile',
  description: 'test: keeps the first `rows` rows, then a row offset drawn from the input height, scaled to 0-1',
  schema: tileSchema as z.ZodType<TileSpec>,
  scalesToUnit: true,
  outShape: (spec, [h, w, c]) => {
    if (spec.rows > h) throw new TransformStepError('rows', `must be at most the image height ${h}, got ${spec.rows}`);
    return [spec.rows, w, c];
  },
  paramCount: () => 1,
  plan: (_spec, rng, params, offset, inShape) => {
    params[offset] = rng.int(inShape![0] - 1);
  },
  apply: (spec, image, params, offset, spare) => {
    const row = image.width * image.channels;
    const dst = spare!(spec.rows * row);
    const from = params[offset]! % (image.height - spec.rows + 1);
    for (let i = 0; i < spec.rows * row; i++) dst[i] = image.data[from * row + i]! / 255;
    return { data: dst, height: spec.rows, width: image.width, channels: image.channels };
  },
});

describe('a contributed kind has the same hooks as the built-in ones', () => {
  it('plans from the input shape, writes into the spare buffer and scales to 0-1', () => {
    const pipeline = compilePipeline([4, 3, 1], [{ kind: 'test-tile', rows: 2 } as unknown as TransformSpec, { kind: 'random-flip', p: 0 }], [tile]);
    expect(pipeline.scaled).toBe(true);
    expect(pipeline.outShape).toEqual([2, 3, 1]);
    const params = planParams(pipeline, 50, new SeededRng('tile'));
    const offsets = new Set(Array.from({ length: 50 }, (_, i) => params[i * pipeline.paramsPerSample]!));
    expect([...offsets].sort()).toEqual([0, 1, 2]); // rng.int(height - 1): every value of [0, 3)
    const images = new Uint8Array(2 * 12).map((_, i) => i * 10);
    const x = runPipeline(pipeline, images, 2, params, new Float32Array(2 * 6));
    for (let n = 0; n < 2; n++) {
      const from = params[n * pipeline.paramsPerSample]! % 3;
      const expected = Array.from({ length: 6 }, (_, i) => Math.fround(images[n * 12 + from * 3 + i]! / 255));
      expect(Array.from(x.subarray(n * 6, n * 6 + 6))).toEqual(expected);
    }
  });

  it('errors name the step and key; one scaling step per pipeline', () => {
    expect(() => compilePipeline([4, 3, 1], [{ kind: 'test-tile', rows: 5 } as unknown as TransformSpec], [tile])).toThrow(/argument 'transforms\[0\]\.rows'.*at most the image height 4/);
    expect(() => compilePipeline([4, 3, 1], [{ kind: 'to-float' }, { kind: 'test-tile', rows: 1 } as unknown as TransformSpec], [tile])).toThrow(/argument 'transforms\[1\]'.*already scales to 0-1/);
    expect(() => compilePipeline([4, 3, 2], [{ kind: 'normalize', mean: [0.1, 0.2, 0.3], std: [1] }])).toThrow(/argument 'transforms\[0\]\.mean'.*1 or 2/);
  });
});
