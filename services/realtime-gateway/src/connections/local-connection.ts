/**
 * What the registry and the fanout need from one client socket. The WebSocket-backed
 * implementation is `ClientSession`; unit tests use plain objects.
 */
export interface LocalConnection {
  /** Unique within this gateway process; identifies the origin of the typing events it sends. */
  readonly id: string;
  /** From the upgrade path `/ws/{user_id}`, verified against the access token; authoritative over
   * any `user_id` in a frame. */
  readonly userId: string;
  /** False once a close has started: nothing more is written to it. */
  readonly isOpen: boolean;
  /** Bytes queued in the socket but not yet handed to the kernel (slow-consumer signal). */
  readonly bufferedAmount: number;
  /** Writes one text frame; the same Buffer may be shared by many connections. */
  send(frame: Buffer | string): void;
  close(code: number, reason: string): void;
}
