/**
 * Integer arrays are stored as base64 of unsigned LEB128 varints: posting lists are mostly small
 * gaps and small counts, so this is several times smaller than JSON numbers or raw 32-bit words,
 * and it has no byte-order question.
 */

/** Encodes non-negative integers below 2^32. */
export function encodeVarints(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(values.length * 5);
  let length = 0;
  for (let i = 0; i < values.length; i++) {
    let rest = values[i] as number;
    while (rest >= 0x80) {
      bytes[length++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    bytes[length++] = rest;
  }
  return Buffer.from(bytes.buffer, 0, length).toString('base64');
}

/** Decodes exactly `count` integers; throws a plain Error when the stream is truncated, too long or malformed. */
export function decodeVarints(encoded: string, count: number): Uint32Array {
  const bytes = Buffer.from(encoded, 'base64');
  const values = new Uint32Array(count);
  let position = 0;
  for (let i = 0; i < count; i++) {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (position >= bytes.length) throw new Error(`expected ${count} values, found ${i}`);
      const byte = bytes[position++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
      if (scale > 2 ** 28) throw new Error(`value ${i} is longer than 5 bytes`);
    }
    if (value > 0xffffffff) throw new Error(`value ${i} exceeds 32 bits`);
    values[i] = value;
  }
  if (position !== bytes.length) throw new Error(`expected ${count} values, found trailing data`);
  return values;
}
