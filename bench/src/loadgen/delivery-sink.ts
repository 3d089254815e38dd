import { performance } from 'node:perf_hooks';
import { Samples } from '../stats';
import { readSeq } from './event-payload';
import { type TextHandler } from './ws-client';

const RING_BITS = 21;
const RING_MASK = (1 << RING_BITS) - 1;

/**
 * Where every client's events land. The publisher stamps each sequence number's send time; a
 * receipt looks its send time up by the sequence number in the event id. Only events published
 * inside the measured window count toward latency and loss; every receipt counts as a delivery
 * for the CPU-per-delivery figure.
 */
export class DeliverySink {
  private readonly sentAt = new Float64Array(1 << RING_BITS);
  private nextSeq = 1;
  private measureFrom = Number.MAX_SAFE_INTEGER;
  private measureTo = Number.MAX_SAFE_INTEGER;
  /** Receipts of measured events. */
  measured = 0;
  /** Every receipt since the start. */
  total = 0;
  lastReceiptAt = 0;
  readonly latencies = new Samples();

  readonly handler: TextHandler = (_client, buf, start, end, now) => {
    const seq = readSeq(buf, start, end);
    if (seq < 0) return;
    this.total += 1;
    this.lastReceiptAt = now;
    if (seq >= this.measureFrom && seq < this.measureTo) {
      this.measured += 1;
      this.latencies.push(now - this.sentAt[seq & RING_MASK]!);
    }
  };

  /** The next sequence number, stamped with the current time. */
  stamp(): number {
    const seq = this.nextSeq;
    this.nextSeq += 1;
    this.sentAt[seq & RING_MASK] = performance.now();
    return seq;
  }

  /** Events published from now on are measured. */
  openWindow(): void {
    this.measureFrom = this.nextSeq;
    this.measureTo = Number.MAX_SAFE_INTEGER;
    this.measured = 0;
    this.latencies.clear();
  }

  /** Events published from now on are not measured. */
  closeWindow(): void {
    this.measureTo = this.nextSeq;
  }
}
