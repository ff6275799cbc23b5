/**
 * TFRecord framing as TensorBoard reads it: uint64 LE length, masked CRC32C of the length,
 * payload, masked CRC32C of the payload.
 */
import CRC32C from 'crc-32/crc32c.js';

const MASK_DELTA = 0xa282ead8;

/** TensorFlow's masked CRC32C. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = CRC32C.buf(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export function frameRecord(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(payload.byteLength), 0);
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(payload), 0);
  return Buffer.concat([header, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), footer]);
}

/** Splits a TFRecord file into payloads, verifying both checksums of every record. */
export function readRecords(buffer: Buffer, file = '(memory)'): Buffer[] {
  const records: Buffer[] = [];
  let offset = 0;
  while (offset < buffer.byteLength) {
    if (offset + 12 > buffer.byteLength) throw new Error(`${file}: truncated record header at byte ${offset}`);
    const length = Number(buffer.readBigUInt64LE(offset));
    if (buffer.readUInt32LE(offset + 8) !== maskedCrc32c(buffer.subarray(offset, offset + 8))) throw new Error(`${file}: bad length checksum at byte ${offset}`);
    const start = offset + 12;
    if (start + length + 4 > buffer.byteLength) throw new Error(`${file}: truncated record at byte ${offset}`);
    const payload = buffer.subarray(start, start + length);
    if (buffer.readUInt32LE(start + length) !== maskedCrc32c(payload)) throw new Error(`${file}: bad data checksum at byte ${offset}`);
    records.push(payload);
    offset = start + length + 4;
  }
  return records;
}
