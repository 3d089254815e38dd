import type { Capability } from '../../../src/store/capabilities';

/**
 * - `held`: measured, and the engine behaved as MongoDB does.
 * - `lacking`: measured, it did not, and the engine is declared to have it: the suite fails.
 * - `declared-lacking`: it did not, as the engine's declaration says.
 * - `held (declared lacking)`: held in this run although declared lacking; reported, not failed
 *   (a race that did not happen to lose proves nothing).
 * - `declared`: cannot be measured on this engine; the declaration is all there is.
 */
export type Status =
  | 'held'
  | 'lacking'
  | 'declared-lacking'
  | 'held (declared lacking)'
  | 'declared held'
  | 'declared lacking';

/** What a run saw: whether the behaviour held (null: not measurable here), and the numbers. */
export interface Measurement {
  held: boolean | null;
  evidence: string;
}

export interface Row {
  capability: Capability;
  status: Status;
  evidence: string;
}

export function judge(declared: boolean, held: boolean | null): Status {
  if (held === null) return declared ? 'declared held' : 'declared lacking';
  if (held) return declared ? 'held' : 'held (declared lacking)';
  return declared ? 'lacking' : 'declared-lacking';
}

/** One line per capability, aligned, under a title line: test output, for the reader of a run. */
export function conformanceTable(title: string, rows: Row[]): string {
  const header: Row = {
    capability: 'capability' as Capability,
    status: 'status' as Status,
    evidence: 'evidence',
  };
  const width = (pick: (row: Row) => string) =>
    Math.max(...[header, ...rows].map((r) => pick(r).length));
  const capabilityWidth = width((row) => row.capability);
  const statusWidth = width((row) => row.status);
  const line = (row: Row) =>
    `  ${row.capability.padEnd(capabilityWidth)}  ${row.status.padEnd(statusWidth)}  ${row.evidence}`;
  return `\n${title}\n${[header, ...rows].map(line).join('\n')}\n`;
}
