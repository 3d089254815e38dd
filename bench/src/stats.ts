/** A figure measured over several runs: the median, with min and max to show the spread. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, runs: [...values] };
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: [...values] };
}

/** A growable array of latency samples (ms) with exact percentiles. */
export class Samples {
  private data = new Float64Array(1 << 16);
  private size = 0;

  push(value: number): void {
    if (this.size === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size] = value;
    this.size += 1;
  }

  get count(): number {
    return this.size;
  }

  clear(): void {
    this.size = 0;
  }

  /** p50, p99 and max in ms; NaN without samples. */
  percentiles(): { p50: number; p99: number; max: number } {
    if (this.size === 0) return { p50: NaN, p99: NaN, max: NaN };
    const sorted = this.data.slice(0, this.size).sort();
    const at = (q: number): number =>
      sorted[Math.min(this.size - 1, Math.ceil(q * this.size) - 1)]!;
    return { p50: at(0.5), p99: at(0.99), max: sorted[this.size - 1]! };
  }
}

export const round = (value: number, digits = 1): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
