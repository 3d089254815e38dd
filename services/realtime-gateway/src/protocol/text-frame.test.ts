import { TextFrame } from './text-frame';

/** The header as RFC 6455 §5.2 lays it out for an unmasked, final text frame. */
function headerOf(frame: TextFrame): { first: number; length: number; headerLength: number } {
  const bytes = frame.bytes;
  const short = bytes[1]! & 0x7f;
  if (short < 126) return { first: bytes[0]!, length: short, headerLength: 2 };
  if (short === 126) return { first: bytes[0]!, length: bytes.readUInt16BE(2), headerLength: 4 };
  return { first: bytes[0]!, length: Number(bytes.readBigUInt64BE(2)), headerLength: 10 };
}

describe('TextFrame', () => {
  it.each([
    [0, 2],
    [125, 2],
    [126, 4],
    [0xffff, 4],
    [0x10000, 10],
  ])('frames a %i-byte payload as FIN + text, unmasked, with a %i-byte header', (size, header) => {
    const payload = 'x'.repeat(size);
    const frame = new TextFrame(payload);
    expect(headerOf(frame)).toEqual({ first: 0x81, length: size, headerLength: header });
    expect(frame.bytes[1]! & 0x80).toBe(0); // no mask bit: a server's frames are unmasked
    expect(frame.length).toBe(header + size);
    expect(frame.toString()).toBe(payload);
  });

  it('counts the payload length in UTF-8 bytes, not characters', () => {
    const payload = JSON.stringify({ content: 'héllo ✓ 👋' });
    const frame = new TextFrame(payload);
    expect(headerOf(frame).length).toBe(Buffer.byteLength(payload));
    expect(frame.payload.equals(Buffer.from(payload))).toBe(true);
    expect(frame.toString()).toBe(payload);
  });
});
