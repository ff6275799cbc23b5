/**
 * Height and width from a JPEG's frame header (SOFn marker), read from the bytes without
 * decoding: the streaming crop needs the image size before it asks libvips for a box. Returns
 * undefined for anything that is not a well-formed baseline / progressive JPEG header, and the
 * caller falls back to libvips' own header reader. Worker-safe.
 */
export function jpegSize(bytes: Uint8Array): { height: number; width: number } | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = (bytes[i + 5]! << 8) | bytes[i + 6]!;
      const width = (bytes[i + 7]! << 8) | bytes[i + 8]!;
      return height > 0 && width > 0 ? { height, width } : undefined;
    }
    if (marker === 0xd9 || marker === 0xda || length < 2) return undefined; // end of image / scan before a frame
    i += 2 + length;
  }
  return undefined;
}
