/**
 * mdistiller's `ConvReg` (`distillers/_common.py`): maps a student feature map onto a teacher's
 * shape with a convolution (3x3 stride 2 to halve, 4x4 stride-2 transposed to double, or a valid
 * `(1 + sH - tH) x (1 + sW - tW)` kernel to shrink), then BatchNorm in training mode and ReLU.
 * Initialised as PyTorch does (kaiming-uniform a = sqrt(5) weights, uniform biases), seeded.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng, ShapeError, type LossVariables } from '@dkl/core';
import { TrainingBatchNorm } from './batch-norm.js';
import { torchUniformVariable } from './init.js';

type Mode = { kind: 'down' } | { kind: 'up' } | { kind: 'valid'; kh: number; kw: number };

export class ConvReg {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly bn: TrainingBatchNorm;
  private readonly mode: Mode;
  private readonly outShape: readonly number[];

  /** `student` / `teacher`: per-example NHWC shapes `[H, W, C]`; `what` names the pair in errors. */
  constructor(student: readonly number[], teacher: readonly number[], seed: number | string, what: string, readonly relu = true) {
    if (student.length !== 3 || teacher.length !== 3) throw new ShapeError(what, 'feature maps [B, H, W, C] on both models', `student [B, ${student.join(', ')}], teacher [B, ${teacher.join(', ')}]`);
    const [sH, sW, sC] = student as [number, number, number];
    const [tH, tW, tC] = teacher as [number, number, number];
    this.outShape = teacher;
    let kh: number;
    let kw: number;
    if (sH === 2 * tH) [this.mode, kh, kw] = [{ kind: 'down' }, 3, 3];
    else if (sH * 2 === tH) [this.mode, kh, kw] = [{ kind: 'up' }, 4, 4];
    else if (sH >= tH) {
      [kh, kw] = [1 + sH - tH, 1 + sW - tW];
      this.mode = { kind: 'valid', kh, kw };
    } else {
      throw new ShapeError(what, `a student map at least as large as the teacher's or half its size (teacher [B, ${teacher.join(', ')}])`, `[B, ${student.join(', ')}]`);
    }
    // PyTorch's fan_in: in_channels * k * k for Conv2d, weight.size(1) * k * k = out_channels * k * k for ConvTranspose2d.
    const fanIn = (this.mode.kind === 'up' ? tC : sC) * kh * kw;
    const rng = new SeededRng(seed);
    // tfjs filters: conv [kh, kw, in, out]; conv2dTranspose [kh, kw, out, in].
    const filterShape = this.mode.kind === 'up' ? [kh, kw, tC, sC] : [kh, kw, sC, tC];
    this.weight = torchUniformVariable(filterShape, fanIn, rng);
    this.bias = torchUniformVariable([tC], fanIn, rng);
    this.bn = new TrainingBatchNorm(tC);
  }

  get variables(): LossVariables {
    return { trainable: [this.weight, this.bias, ...this.bn.trainable], state: this.bn.state };
  }

  /** Training-mode forward (the connector only exists during training). */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.bn.forward(tf.add(this.convolve(x), this.bias) as tf.Tensor4D, this.relu ? 'relu' : 'linear');
  }

  private convolve(x: tf.Tensor4D): tf.Tensor4D {
    switch (this.mode.kind) {
      case 'down':
        return tf.conv2d(x, this.weight as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      case 'up':
        return tf.conv2dTranspose(x, this.weight as tf.Tensor4D, [x.shape[0], this.outShape[0]!, this.outShape[1]!, this.outShape[2]!], 2, 'same');
      case 'valid':
        return tf.conv2d(x, this.weight as tf.Tensor4D, 1, 'valid');
    }
  }
}
