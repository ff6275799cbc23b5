/**
 * Inference graph -> a TensorFlow.js layers model (`format: 'layers-model'`): a Keras functional
 * model topology of stock layers only, so `tf.loadLayersModel` rebuilds it without custom
 * classes. Explicit (PyTorch) padding is a ZeroPadding2D before a 'valid' convolution; a
 * per-channel affine is a 1x1 DepthwiseConv2D; a channel split is Reshape [HW, C, 1] ->
 * Cropping2D -> Reshape (Keras has no channel slice layer); a channel shuffle is Reshape ->
 * Permute -> Reshape.
 */
import * as tf from '@tensorflow/tfjs';
import { ExportError } from './export-error.js';
import type { FusedActivation, InferenceGraph, Pads } from './graph-ir.js';
import type { NamedWeight } from './encode-weights.js';

interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
  name: string;
  inbound_nodes: [string, number, number, Record<string, never>][][];
}

export interface LayersModelParts {
  readonly modelTopology: Record<string, unknown>;
  readonly weights: NamedWeight[];
}

export function writeTfjsLayers(graph: InferenceGraph): LayersModelParts {
  const layers: KerasLayer[] = [];
  const weights: NamedWeight[] = [];
  const layerOf = new Map<string, string>();

  const add = (className: string, name: string, inputs: string[], config: Record<string, unknown>, ws: [string, Float32Array, number[]][] = []): string => {
    layers.push({
      class_name: className,
      name,
      config: { name, trainable: false, dtype: 'float32', ...config },
      inbound_nodes: inputs.length ? [inputs.map((l) => [l, 0, 0, {}])] : [],
    });
    for (const [w, data, shape] of ws) weights.push({ name: `${name}/${w}`, data, shape });
    return name;
  };
  const zeroPad = (name: string, x: string, p: Pads) =>
    p.every((v) => v === 0) ? x : add('ZeroPadding2D', name, [x], { padding: [[p[0], p[1]], [p[2], p[3]]], data_format: 'channels_last' });
  const conv = { padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], use_bias: true };
  const act = (a: FusedActivation) => (a === 'relu' ? 'relu' : 'linear');

  const [h, w, c] = graph.inputShape;
  layers.push({ class_name: 'InputLayer', name: 'input', config: { name: 'input', batch_input_shape: [null, h, w, c], dtype: 'float32', sparse: false }, inbound_nodes: [] });
  layerOf.set(graph.input, 'input');

  for (const n of graph.nodes) {
    const x = layerOf.get(n.inputs[0]!)!;
    const shape = graph.shapes.get(n.inputs[0]!)!;
    let out: string;
    switch (n.op) {
      case 'conv': {
        const [kh, kw] = n.filter.shape as [number, number];
        const channels = n.filter.shape[n.depthwise ? 2 : 3]!;
        const bias = n.bias ?? new Float32Array(channels);
        const padded = zeroPad(`${n.name}.pad`, x, n.pads);
        out = n.depthwise
          ? add('DepthwiseConv2D', n.name, [padded], { ...conv, kernel_size: [kh, kw], strides: [n.stride, n.stride], depth_multiplier: 1, activation: act(n.activation) }, [
              ['depthwise_kernel', n.filter.data, [...n.filter.shape]],
              ['bias', bias, [channels]],
            ])
          : add('Conv2D', n.name, [padded], { ...conv, filters: channels, kernel_size: [kh, kw], strides: [n.stride, n.stride], activation: act(n.activation) }, [
              ['kernel', n.filter.data, [...n.filter.shape]],
              ['bias', bias, [channels]],
            ]);
        break;
      }
      case 'dense': {
        const units = n.weight.shape[1]!;
        out = add('Dense', n.name, [x], { units, activation: act(n.activation), use_bias: true }, [
          ['kernel', n.weight.data, [...n.weight.shape]],
          ['bias', n.bias ?? new Float32Array(units), [units]],
        ]);
        break;
      }
      case 'affine':
        if (shape.length !== 3) throw new ExportError(n.name, 'tfjs-layers: a per-channel affine on a non-image tensor');
        out = add('DepthwiseConv2D', n.name, [x], { ...conv, kernel_size: [1, 1], strides: [1, 1], depth_multiplier: 1, activation: act(n.activation) }, [
          ['depthwise_kernel', n.scale, [1, 1, n.scale.length, 1]],
          ['bias', n.shift, [n.shift.length]],
        ]);
        break;
      case 'add':
      case 'mul':
      case 'concat':
        out = add(n.op === 'add' ? 'Add' : n.op === 'mul' ? 'Multiply' : 'Concatenate', n.name, n.inputs.map((i) => layerOf.get(i)!), n.op === 'concat' ? { axis: -1 } : {});
        break;
      case 'relu':
      case 'sigmoid':
        out = add('Activation', n.name, [x], { activation: n.op });
        break;
      case 'globalAvgPool':
        out = add('GlobalAveragePooling2D', n.name, [x], { data_format: 'channels_last' });
        break;
      case 'maxPool': {
        let input = x;
        if (n.pads.some((p) => p !== 0)) {
          if (!graph.nonNegative.has(n.inputs[0]!)) throw new ExportError(n.name, 'tfjs-layers: a padded max-pool of possibly negative values (zero padding would win the max)');
          input = zeroPad(`${n.name}.pad`, x, n.pads);
        }
        out = add('MaxPooling2D', n.name, [input], { pool_size: [n.size, n.size], strides: [n.stride, n.stride], padding: 'valid', data_format: 'channels_last' });
        break;
      }
      case 'avgPool':
        out = add('AveragePooling2D', n.name, [x], { pool_size: [n.size, n.size], strides: [n.stride, n.stride], padding: 'valid', data_format: 'channels_last' });
        break;
      case 'pad':
        out = zeroPad(n.name, x, n.pads);
        break;
      case 'channelShuffle': {
        const [hh, ww, cc] = shape as [number, number, number];
        const grouped = add('Reshape', `${n.name}.grouped`, [x], { target_shape: [hh, ww, n.groups, cc / n.groups] });
        const permuted = add('Permute', `${n.name}.permute`, [grouped], { dims: [1, 2, 4, 3] });
        out = add('Reshape', n.name, [permuted], { target_shape: [hh, ww, cc] });
        break;
      }
      case 'split': {
        const [hh, ww, cc] = shape as [number, number, number];
        const flat = add('Reshape', `${n.name}.flat`, [x], { target_shape: [hh * ww, cc, 1] });
        let start = 0;
        n.sizes.forEach((size, i) => {
          const crop = add('Cropping2D', `${n.name}.${i}.crop`, [flat], { cropping: [[0, 0], [start, cc - start - size]], data_format: 'channels_last' });
          layerOf.set(n.outputs[i]!, add('Reshape', `${n.name}.${i}`, [crop], { target_shape: [hh, ww, size] }));
          start += size;
        });
        continue;
      }
    }
    layerOf.set(n.outputs[0]!, out);
  }
  const output = layerOf.get(graph.output)!;
  return {
    modelTopology: {
      class_name: 'Model',
      config: { name: `dkl_export`, layers, input_layers: [['input', 0, 0]], output_layers: [[output, 0, 0]] },
      keras_version: `tfjs-layers ${tf.version_layers}`,
      backend: 'tensor_flow.js',
    },
    weights,
  };
}
