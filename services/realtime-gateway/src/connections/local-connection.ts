import { type TextFrame } from '../protocol/text-frame';

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
  /**
   * Writes one text message: a fanned-out event as a `TextFrame` framed once and shared by every
   * recipient, or a string of its own (acks, errors, replays).
   */
  send(frame: TextFrame | string): void;
  close(code: number, reason: string): void;
}
