/** Tensors reconstructed from a torch.save archive (lazy: bytes are read on demand). */

/** Storage element types torch pickles as `torch.<Name>Storage`. */
export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const STORAGE_DTYPES: Readonly<Record<string, TorchDtype>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const ELEMENT_BYTES: Readonly<Record<TorchDtype, number>> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export class TorchStorage {
  constructor(
    readonly dtype: TorchDtype,
    readonly key: string,
    readonly numel: number,
    private readonly readBytes: () => Uint8Array,
  ) {}

  private cache: Float64Array | null = null;

  /** Element values as float64 (exact for every float type and for integers below 2^53). */
  values(): Float64Array {
    if (this.cache) return this.cache;
    const raw = this.readBytes();
    const size = ELEMENT_BYTES[this.dtype];
    if (raw.byteLength < this.numel * size) {
      throw new Error(`storage ${this.key} has ${raw.byteLength} bytes, expected ${this.numel * size} (${this.numel} x ${this.dtype})`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float64Array(this.numel);
    for (let i = 0; i < this.numel; i++) out[i] = readElement(view, i * size, this.dtype);
    this.cache = out;
    return out;
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function readElement(view: DataView, offset: number, dtype: TorchDtype): number {
  switch (dtype) {
    case 'float32':
      return view.getFloat32(offset, true);
    case 'float64':
      return view.getFloat64(offset, true);
    case 'float16':
      return halfToFloat(view.getUint16(offset, true));
    case 'bfloat16': {
      const tmp = new DataView(new ArrayBuffer(4));
      tmp.setUint16(0, view.getUint16(offset, true), false);
      return tmp.getFloat32(0, false);
    }
    case 'int64':
      return Number(view.getBigInt64(offset, true));
    case 'int32':
      return view.getInt32(offset, true);
    case 'int16':
      return view.getInt16(offset, true);
    case 'int8':
      return view.getInt8(offset);
    case 'uint8':
    case 'bool':
      return view.getUint8(offset);
  }
}

/** A (possibly strided) view into a storage, as `_rebuild_tensor_v2` describes it. */
export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}

  get dtype(): TorchDtype {
    return this.storage.dtype;
  }

  get isFloating(): boolean {
    return this.dtype.startsWith('float') || this.dtype === 'bfloat16';
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Contiguous row-major float32 copy of the tensor's values. */
  toFloat32(): Float32Array {
    const src = this.storage.values();
    const out = new Float32Array(this.size);
    const rank = this.shape.length;
    const index = new Array<number>(rank).fill(0);
    for (let i = 0; i < out.length; i++) {
      let at = this.offset;
      for (let d = 0; d < rank; d++) at += index[d]! * this.stride[d]!;
      if (at >= src.length) throw new Error(`tensor view exceeds storage ${this.storage.key}`);
      out[i] = src[at]!;
      for (let d = rank - 1; d >= 0; d--) {
        if (++index[d]! < this.shape[d]!) break;
        index[d] = 0;
      }
    }
    return out;
  }
}
