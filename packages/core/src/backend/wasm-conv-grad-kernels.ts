/**
 * Convolution-gradient kernels for the wasm backend, computed as forward convolutions so they
 * run on XNNPACK's fast convolution instead of naive loops:
 *
 * - Conv2DBackpropFilter (missing from stock wasm, so conv nets could not train at all):
 *   dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s+kh-pt, ow*s+kw-pl, ci] * dy[n,oh,ow,co], which is a
 *   forward convolution of x^T ([Ci,H,W,N]) with dy^T ([Ho,Wo,N,Co]) at dilation = stride.
 * - Conv2DBackpropInput for stride 1: a forward convolution of dy with the spatially flipped,
 *   in/out-transposed filter ("full" padding). Other strides keep the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { releaseInfo, runKernel } from './kernel-invoke.js';

type Info = tf.TensorInfo;
const { computeConv2DInfo } = tf.backend_util;

interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function assertNhwc(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm supports NHWC only, got dataFormat ${dataFormat}`);
  }
}

/** dW via a forward convolution (see file comment). */
export function conv2DBackpropFilterViaConv(backendName: string) {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): Info => {
    const { backend } = args;
    const x = args.inputs['x']!;
    const dy = args.inputs['dy']!;
    const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: [number, number, number, number] };
    assertNhwc('Conv2DBackpropFilter', attrs.dataFormat);
    const info = computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const [, height, width, inChannels] = x.shape as [number, number, number, number];
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight, outWidth } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    // Extent of padded input the forward conv actually read; crop rows/cols it never touched.
    const extentH = (outHeight - 1) * sh + kh;
    const extentW = (outWidth - 1) * sw + kw;
    const rows = Math.min(height, extentH - top);
    const cols = Math.min(width, extentW - left);
    const temps: Info[] = [];
    try {
      let xUsed = x;
      if (rows < height || cols < width) {
        xUsed = runKernel('Slice', backendName, backend, { x }, { begin: [0, 0, 0, 0], size: [-1, rows, cols, inChannels] });
        temps.push(xUsed);
      }
      const xT = runKernel('Transpose', backendName, backend, { x: xUsed }, { perm: [3, 1, 2, 0] });
      temps.push(xT);
      const dyT = runKernel('Transpose', backendName, backend, { x: dy }, { perm: [1, 2, 0, 3] });
      temps.push(dyT);
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [top, extentH - top - rows], [left, extentW - left - cols], [0, 0]];
      const conv = runKernel('Conv2D', backendName, backend, { x: xT, filter: dyT }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: undefined });
      temps.push(conv);
      return runKernel('Transpose', backendName, backend, { x: conv }, { perm: [1, 2, 0, 3] });
    } finally {
      for (const t of temps) releaseInfo(backend, t);
    }
  };
}

/** dX for stride-1 convolutions via a forward convolution; other cases go to `fallback`. */
export function conv2DBackpropInputViaConv(backendName: string, fallback: tf.KernelFunc) {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): Info | Info[] => {
    const { backend } = args;
    const dy = args.inputs['dy']!;
    const filter = args.inputs['filter']!;
    const attrs = args.attrs as unknown as ConvGradAttrs & { inputShape: [number, number, number, number] };
    assertNhwc('Conv2DBackpropInput', attrs.dataFormat);
    const info = computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const { strideHeight, strideWidth, filterHeight: kh, filterWidth: kw, inHeight, inWidth, outHeight, outWidth } = info;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = inHeight - outHeight - top + kh - 1;
    const right = inWidth - outWidth - left + kw - 1;
    if (strideHeight !== 1 || strideWidth !== 1 || Math.min(top, left, bottom, right) < 0) {
      return fallback(args as Parameters<tf.KernelFunc>[0]);
    }
    const temps: Info[] = [];
    try {
      const flipped = runKernel('Reverse', backendName, backend, { x: filter }, { dims: [0, 1] });
      temps.push(flipped);
      const swapped = runKernel('Transpose', backendName, backend, { x: flipped }, { perm: [0, 1, 3, 2] });
      temps.push(swapped);
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];
      return runKernel('Conv2D', backendName, backend, { x: dy, filter: swapped }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined });
    } finally {
      for (const t of temps) releaseInfo(backend, t);
    }
  };
}

/**
 * Installs the two kernels on a wasm-family backend (idempotent). Returns the kernel names that
 * were (re)registered.
 */
export function registerWasmConvGradKernels(backendName = 'wasm'): string[] {
  const stockInput = tf.getKernel('Conv2DBackpropInput', backendName);
  if ((stockInput?.kernelFunc as { dklConvGrad?: boolean } | undefined)?.dklConvGrad) return [];
  const filterFunc = Object.assign(conv2DBackpropFilterViaConv(backendName), { dklConvGrad: true });
  if (tf.getKernel('Conv2DBackpropFilter', backendName)) tf.unregisterKernel('Conv2DBackpropFilter', backendName);
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc: filterFunc as unknown as tf.KernelFunc });
  const registered = ['Conv2DBackpropFilter'];
  if (stockInput) {
    const inputFunc = Object.assign(conv2DBackpropInputViaConv(backendName, stockInput.kernelFunc), { dklConvGrad: true });
    tf.unregisterKernel('Conv2DBackpropInput', backendName);
    tf.registerKernel({ ...stockInput, kernelFunc: inputFunc as unknown as tf.KernelFunc });
    registered.push('Conv2DBackpropInput');
  }
  return registered;
}
