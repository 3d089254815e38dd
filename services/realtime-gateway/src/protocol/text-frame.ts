/**
 * One server→client text message, framed once (RFC 6455 §5.2) and written as-is to every socket
 * it goes to: FIN + opcode 1 (text), unmasked as a server's frames are, the payload length in 7,
 * 7+16 or 7+64 bits, then the UTF-8 payload, in one Buffer. Sharing the framed bytes saves every
 * recipient `ws`'s own framing (a header Buffer and a second write per socket).
 */
export class TextFrame {
  /** Header and payload: what goes on the wire. */
  readonly bytes: Buffer;
  private readonly headerLength: number;

  constructor(payload: string) {
    const payloadLength = Buffer.byteLength(payload, 'utf8');
    this.headerLength = payloadLength < 126 ? 2 : payloadLength < 0x10000 ? 4 : 10;
    const bytes = Buffer.allocUnsafe(this.headerLength + payloadLength);
    bytes[0] = 0x81;
    if (payloadLength < 126) {
      bytes[1] = payloadLength;
    } else if (payloadLength < 0x10000) {
      bytes[1] = 126;
      bytes.writeUInt16BE(payloadLength, 2);
    } else {
      bytes[1] = 127;
      bytes.writeBigUInt64BE(BigInt(payloadLength), 2);
    }
    bytes.write(payload, this.headerLength, 'utf8');
    this.bytes = bytes;
  }

  /** Bytes on the wire, header included: what the frame adds to a socket's send buffer. */
  get length(): number {
    return this.bytes.length;
  }

  /** The payload alone (unframed). */
  get payload(): Buffer {
    return this.bytes.subarray(this.headerLength);
  }

  /** The payload text, as a client reads it. */
  toString(): string {
    return this.bytes.toString('utf8', this.headerLength);
  }
}
