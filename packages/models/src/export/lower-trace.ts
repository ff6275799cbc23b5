/**
 * Kernel trace -> layer-level primitives. Each recorded kernel maps to one primitive (or to an
 * alias of its input: identity reshapes, casts, single-input concats); constants become node
 * weights. A kernel with no mapping is refused with an `ExportError` naming the kernel and the
 * layer it belongs to.
 */
import { ExportError } from './export-error.js';
import type { ConstTensor, Pads } from './graph-ir.js';
import type { KernelCall, KernelTrace, TracedConst } from './trace-kernels.js';

/** A primitive before fusion: the IR ops plus reshape / transpose (only channel shuffles survive fusion). */
export type Primitive =
  | { kind: 'conv'; name: string; x: string; filter: ConstTensor; depthwise: boolean; stride: number; pads: Pads; out: string }
  | { kind: 'dense'; name: string; x: string; weight: ConstTensor; out: string }
  | { kind: 'affine'; name: string; x: string; scale: Float32Array; shift: Float32Array; relu: boolean; out: string }
  | { kind: 'add' | 'mul' | 'concat'; name: string; xs: string[]; out: string }
  | { kind: 'relu' | 'sigmoid' | 'globalAvgPool'; name: string; x: string; out: string }
  | { kind: 'maxPool'; name: string; x: string; size: number; stride: number; pads: Pads; out: string }
  | { kind: 'avgPool'; name: string; x: string; size: number; stride: number; out: string }
  | { kind: 'pad'; name: string; x: string; pads: Pads; out: string }
  | { kind: 'split'; name: string; x: string; sizes: number[]; outs: string[] }
  | { kind: 'reshape'; name: string; x: string; shape: number[]; out: string }
  | { kind: 'transpose'; name: string; x: string; perm: number[]; out: string };

export interface LoweredTrace {
  readonly primitives: Primitive[];
  /** value id -> value id it is an alias of. */
  readonly aliases: Map<string, string>;
}

const layerOf = (origin: string | undefined): string | undefined => origin?.replace(/\.(weight|bias|running_mean|running_var)$/, '');

const pair = (v: unknown, what: string, near: string): number => {
  const [a, b] = Array.isArray(v) ? (v as number[]) : [v as number, v as number];
  if (a !== b) throw new ExportError(near, `non-square ${what} ${JSON.stringify(v)}`);
  return a!;
};

function explicitPads(pad: unknown, near: string): Pads {
  if (pad === 'valid' || pad === 0) return [0, 0, 0, 0];
  if (typeof pad === 'number') return [pad, pad, pad, pad];
  if (Array.isArray(pad) && pad.length === 4) {
    const [n, h, w, c] = pad as [number, number][];
    if (n![0] || n![1] || c![0] || c![1]) throw new ExportError(near, `padding of the batch or channel axis ${JSON.stringify(pad)}`);
    return [h![0], h![1], w![0], w![1]];
  }
  throw new ExportError(near, `padding mode ${JSON.stringify(pad)} (explicit or valid padding only)`);
}

export function lowerTrace(trace: KernelTrace): LoweredTrace {
  const primitives: Primitive[] = [];
  const aliases = new Map<string, string>();
  const resolve = (id: string): string => aliases.get(id) ?? id;
  let lastLayer = '(model input)';
  let unnamed = 0;

  for (const call of trace.calls) {
    const near = lastLayer;
    const inputIds = Object.values(call.inputs).map(resolve);
    const varIds = inputIds.filter((id) => !trace.consts.has(id));
    const constOf = (key: string): TracedConst | undefined => trace.consts.get(call.inputs[key] ?? '');
    const named = (origin: string | undefined, kind: string): string => {
      const layer = layerOf(origin);
      if (layer) {
        lastLayer = layer;
        return layer;
      }
      return `${kind}_${unnamed++}`;
    };
    const out = call.outputs[0]!;
    const shapeOf = (id: string) => trace.shapes.get(id)!;
    const channels = shapeOf(out)[shapeOf(out).length - 1]!;
    const fail = (why: string): never => {
      throw new ExportError(near, `kernel '${call.kernel}' ${why}`);
    };

    switch (call.kernel) {
      case 'Conv2D':
      case 'DepthwiseConv2dNative': {
        const filter = constOf('filter') ?? fail('with a computed (non-constant) filter');
        const dilation = pair(call.attrs['dilations'] ?? 1, 'dilation', near);
        if (dilation !== 1) fail(`with dilation ${dilation}`);
        if (call.attrs['dataFormat'] && call.attrs['dataFormat'] !== 'NHWC') fail(`with data format ${String(call.attrs['dataFormat'])}`);
        const depthwise = call.kernel === 'DepthwiseConv2dNative';
        if (depthwise && filter.shape[3] !== 1) fail('with a depth multiplier other than 1');
        primitives.push({
          kind: 'conv',
          name: named(filter.origin, 'conv'),
          x: resolve(call.inputs['x']!),
          filter: { data: filter.data as Float32Array, shape: filter.shape },
          depthwise,
          stride: pair(call.attrs['strides'], 'stride', near),
          pads: explicitPads(call.attrs['pad'], near),
          out,
        });
        break;
      }
      case 'BatchMatMul': {
        const b = constOf('b') ?? fail('with a computed right operand');
        if (call.attrs['transposeA'] || call.attrs['transposeB'] || b.shape.length !== 2) fail('other than x [B, in] @ W [in, out]');
        primitives.push({ kind: 'dense', name: named(b.origin, 'dense'), x: resolve(call.inputs['a']!), weight: { data: b.data as Float32Array, shape: b.shape }, out });
        break;
      }
      case 'FusedBatchNorm':
      case 'DklBatchNormInfer': {
        const get = (k: string) => (constOf(k) ?? fail(`with a computed ${k}`)).data as Float32Array;
        const [mean, variance, offset, scaleIn] = [get('mean'), get('variance'), get('offset'), get('scale')];
        const eps = Number(call.attrs['varianceEpsilon'] ?? call.attrs['epsilon']);
        const scale = new Float32Array(channels);
        const shift = new Float32Array(channels);
        for (let c = 0; c < channels; c++) {
          const s = scaleIn[c]! / Math.sqrt(variance[c]! + eps);
          scale[c] = s;
          shift[c] = offset[c]! - mean[c]! * s;
        }
        const relu = call.attrs['activation'] === 'relu';
        primitives.push({ kind: 'affine', name: named(constOf('mean')!.origin, 'batchnorm'), x: resolve(call.inputs['x']!), scale, shift, relu, out });
        break;
      }
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Multiply':
      case 'RealDiv': {
        const [aId, bId] = [resolve(call.inputs['a']!), resolve(call.inputs['b']!)];
        const [ca, cb] = [trace.consts.get(aId), trace.consts.get(bId)];
        if (!ca && !cb) {
          if (call.kernel === 'Add' || call.kernel === 'AddV2' || call.kernel === 'Multiply') {
            const kind = call.kernel === 'Multiply' ? 'mul' : 'add';
            primitives.push({ kind, name: `${kind}_${unnamed++}`, xs: [aId, bId], out });
            break;
          }
          fail('of two computed tensors');
        }
        if (ca && (call.kernel === 'Sub' || call.kernel === 'RealDiv')) fail('with a constant left operand');
        const c = (ca ?? cb)!;
        const x = ca ? bId : aId;
        const values = perChannel(c, channels) ?? fail(`with a constant of shape [${c.shape.join(', ')}] that is not per-channel`);
        const scale = new Float32Array(channels).fill(1);
        const shift = new Float32Array(channels);
        for (let i = 0; i < channels; i++) {
          if (call.kernel === 'Multiply') scale[i] = values[i]!;
          else if (call.kernel === 'RealDiv') scale[i] = 1 / values[i]!;
          else shift[i] = call.kernel === 'Sub' ? -values[i]! : values[i]!;
        }
        primitives.push({ kind: 'affine', name: named(c.origin, 'affine'), x, scale, shift, relu: false, out });
        break;
      }
      case 'Relu':
      case 'Sigmoid':
        primitives.push({ kind: call.kernel === 'Relu' ? 'relu' : 'sigmoid', name: `${call.kernel.toLowerCase()}_${unnamed++}`, x: varIds[0] ?? fail('on a constant'), out });
        break;
      case 'Mean': {
        const axes = ([] as number[]).concat(call.attrs['axis'] as number | number[]).map((a) => (a < 0 ? a + 4 : a)).sort();
        if (shapeOf(resolve(call.inputs['x']!)).length !== 4 || axes.join() !== '1,2' || call.attrs['keepDims']) fail('other than a global average pool over H and W');
        primitives.push({ kind: 'globalAvgPool', name: `global_avg_pool_${unnamed++}`, x: resolve(call.inputs['x']!), out });
        break;
      }
      case 'MaxPool':
      case 'AvgPool': {
        const size = pair(call.attrs['filterSize'], 'pool size', near);
        const stride = pair(call.attrs['strides'], 'pool stride', near);
        const pads = explicitPads(call.attrs['pad'], near);
        const x = resolve(call.inputs['x']!);
        if (call.kernel === 'MaxPool') primitives.push({ kind: 'maxPool', name: `max_pool_${unnamed++}`, x, size, stride, pads, out });
        else if (pads.some((p) => p !== 0)) fail('with implicit padding');
        else primitives.push({ kind: 'avgPool', name: `avg_pool_${unnamed++}`, x, size, stride, out });
        break;
      }
      case 'PadV2': {
        if (Number(call.attrs['constantValue'] ?? 0) !== 0) fail('with a non-zero pad value');
        primitives.push({ kind: 'pad', name: `pad_${unnamed++}`, x: resolve(call.inputs['x']!), pads: explicitPads(call.attrs['paddings'], near), out });
        break;
      }
      case 'SplitV': {
        const axis = Number(call.attrs['axis']);
        const x = resolve(call.inputs['x']!);
        if (axis !== 3 && axis !== -1) fail(`along axis ${axis} (channels only)`);
        const sizes = call.outputs.map((o) => shapeOf(o)[3]!);
        primitives.push({ kind: 'split', name: `split_${unnamed++}`, x, sizes, outs: [...call.outputs] });
        break;
      }
      case 'Concat': {
        const axis = Number(call.attrs['axis']);
        const xs = inputIds;
        if (xs.length === 1) aliases.set(out, xs[0]!);
        else if ((axis !== 3 && axis !== -1) || xs.some((id) => trace.consts.has(id))) fail(`along axis ${axis} or of constants`);
        else primitives.push({ kind: 'concat', name: `concat_${unnamed++}`, xs, out });
        break;
      }
      case 'Reshape': {
        const x = resolve(call.inputs['x']!);
        if (shapeOf(x).join() === shapeOf(out).join()) {
          aliases.set(out, x);
          break;
        }
        if (shapeOf(out)[0] !== trace.batch) fail('that mixes the batch dimension');
        primitives.push({ kind: 'reshape', name: `reshape_${unnamed++}`, x, shape: shapeOf(out).slice(1), out });
        break;
      }
      case 'Transpose': {
        const perm = call.attrs['perm'] as number[];
        if (perm[0] !== 0) fail('that moves the batch dimension');
        primitives.push({ kind: 'transpose', name: `transpose_${unnamed++}`, x: resolve(call.inputs['x']!), perm: [...perm], out });
        break;
      }
      case 'Identity':
      case 'Cast':
        if ((call.attrs['dtype'] ?? 'float32') !== 'float32') fail(`to ${String(call.attrs['dtype'])}`);
        aliases.set(out, resolve(Object.values(call.inputs)[0]!));
        break;
      default:
        fail('has no export mapping');
    }
  }
  return { primitives, aliases };
}

/** A constant broadcast over the channel axis: a scalar or C values. */
function perChannel(c: TracedConst, channels: number): Float32Array | null {
  if (c.data.length === 1) return new Float32Array(channels).fill(c.data[0]!);
  if (c.data.length === channels && c.shape[c.shape.length - 1] === channels) return Float32Array.from(c.data);
  return null;
}
