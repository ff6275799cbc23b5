/**
 * Geometric ops of RandAugment / TrivialAugment / AutoAugment with torchvision's tensor semantics:
 * the inverse affine matrix of `_get_inverse_affine_matrix`, sampled at pixel centres relative to
 * the image centre (as `grid_sample(align_corners=False)`), nearest neighbour (round half to
 * even), zero fill, output the size of the input.
 */
import { blankImage, type ImageBuffer } from './image-buffer.js';

const rad = (deg: number): number => (deg * Math.PI) / 180;

/**
 * torchvision's `_get_inverse_affine_matrix(center, angle, translate, scale, shear)`: maps output
 * coordinates (relative to the image centre) to input coordinates. Angles in degrees.
 */
export function inverseAffineMatrix(center: readonly [number, number], angle: number, translate: readonly [number, number], scale: number, shear: readonly [number, number]): number[] {
  const rot = rad(angle);
  const sx = rad(shear[0]);
  const sy = rad(shear[1]);
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2]! += m[0]! * (-cx - tx) + m[1]! * (-cy - ty);
  m[5]! += m[3]! * (-cx - tx) + m[4]! * (-cy - ty);
  m[2]! += cx;
  m[5]! += cy;
  return m;
}

const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** Samples `img` through the inverse matrix `m` (centred coordinates), nearest neighbour, zero fill. */
export function warpNearest(img: ImageBuffer, m: readonly number[]): ImageBuffer {
  const { height: h, width: w, channels: c } = img;
  const out = blankImage(h, w, c);
  for (let y = 0; y < h; y++) {
    const Y = y + 0.5 - h / 2;
    for (let x = 0; x < w; x++) {
      const X = x + 0.5 - w / 2;
      const sx = roundHalfEven(m[0]! * X + m[1]! * Y + m[2]! + w / 2 - 0.5);
      const sy = roundHalfEven(m[3]! * X + m[4]! * Y + m[5]! + h / 2 - 0.5);
      if (sx < 0 || sx >= w || sy < 0 || sy >= h) continue;
      const si = (sy * w + sx) * c;
      const di = (y * w + x) * c;
      for (let k = 0; k < c; k++) out.data[di + k] = img.data[si + k]!;
    }
  }
  return out;
}

/** `F.affine(img, angle=0, translate=[0, 0], scale=1, shear=[degrees(atan(m)), 0], center=[0, 0])` (RandAugment's ShearX). */
export function shearX(img: ImageBuffer, magnitude: number): ImageBuffer {
  const deg = (Math.atan(magnitude) * 180) / Math.PI;
  return warpNearest(img, inverseAffineMatrix([-img.width / 2, -img.height / 2], 0, [0, 0], 1, [deg, 0]));
}

/** ShearY: shear `[0, degrees(atan(m))]` about the top-left corner. */
export function shearY(img: ImageBuffer, magnitude: number): ImageBuffer {
  const deg = (Math.atan(magnitude) * 180) / Math.PI;
  return warpNearest(img, inverseAffineMatrix([-img.width / 2, -img.height / 2], 0, [0, 0], 1, [0, deg]));
}

/** Translate by whole pixels (`int(magnitude)`, truncated toward zero as Python's `int`). */
export function translate(img: ImageBuffer, dx: number, dy: number): ImageBuffer {
  return warpNearest(img, inverseAffineMatrix([0, 0], 0, [Math.trunc(dx), Math.trunc(dy)], 1, [0, 0]));
}

/** `F.rotate(img, angle)`: counter-clockwise by `angle` degrees about the centre, same size. */
export function rotate(img: ImageBuffer, angle: number): ImageBuffer {
  return warpNearest(img, inverseAffineMatrix([0, 0], -angle, [0, 0], 1, [0, 0]));
}
