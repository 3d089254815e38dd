import type { RawDoc } from './raw-ops';
import type { Measurement } from './verdict';
import type { UpdatesResult, WorkloadResult } from './workloads';

/**
 * Pure checks of the workloads' results against what the store held afterwards: each says
 * whether the behaviour held, with the numbers that show it.
 */

const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

const duplicatesIn = <T>(values: T[]): number => values.length - new Set(values).size;

/** `, N errors (first: …)` when there were any. */
function errorNote(results: { errors: string[] }[]): string {
  const errors = results.flatMap((result) => result.errors);
  return errors.length === 0 ? '' : `, ${errors.length} errors (first: ${errors[0]})`;
}

const noErrors = (results: { errors: string[] }[]): boolean =>
  results.every((result) => result.errors.length === 0);

export function combine(parts: Record<string, Measurement>): Measurement {
  const measured = Object.values(parts);
  return {
    held: measured.every((part) => part.held === true),
    evidence: Object.entries(parts)
      .map(([name, part]) => `${name}: ${part.evidence}`)
      .join('; '),
  };
}

/** Every acknowledged $inc counted, $set field present, $push tag present once, $max kept. */
export function checkUpdates(doc: RawDoc | null, results: UpdatesResult[]): Measurement {
  const acked = (kind: keyof UpdatesResult['acked']) => results.flatMap((r) => r.acked[kind]);
  const v = Number(doc?.v ?? 0);
  const incs = acked('inc').length;
  const sets = acked('set');
  const setsKept = sets.filter((field) => doc?.[field as string] === true).length;
  const list = (doc?.list as string[] | undefined) ?? [];
  const pushes = acked('push');
  const pushesKept = pushes.filter((tag) => list.filter((t) => t === tag).length === 1).length;
  const highest = Math.max(0, ...(acked('max') as number[]));
  const m = Number(doc?.m ?? 0);
  const applied = [
    `$inc ${v}/${incs}`,
    `$set ${setsKept}/${sets.length}`,
    ...(pushes.length > 0 ? [`$push ${pushesKept}/${pushes.length}`] : []),
  ];
  const max = m === highest ? 'kept the highest' : `ended at ${m}, not the highest ${highest}`;
  const held =
    v === incs &&
    setsKept === sets.length &&
    pushesKept === pushes.length &&
    list.length === pushes.length &&
    m === highest &&
    noErrors(results);
  return { held, evidence: `applied ${applied.join(', ')}; $max ${max}${errorNote(results)}` };
}

/** The values callers saw after their own $inc are exactly 1 … calls, once each. */
export function checkCounter(
  finalValue: number,
  results: WorkloadResult<'counter'>[],
): Measurement {
  const after = results.flatMap((result) => result.after).sort((a, b) => a - b);
  const calls = after.length + results.reduce((n, r) => n + r.errors.length, 0);
  const distinct = new Set(after).size;
  const exact = after.join() === range(1, calls).join() && finalValue === calls;
  return {
    held: exact && noErrors(results),
    evidence: `${calls} calls → ${distinct} distinct values, counter at ${finalValue}${errorNote(results)}`,
  };
}

/** Every free document claimed once, by the caller that was handed it; the rest got none. */
export function checkClaims(documents: RawDoc[], results: WorkloadResult<'claims'>[]): Measurement {
  const claimed = results.flatMap((result) => result.claimed);
  const none = results.reduce((n, r) => n + r.none, 0);
  const callers = claimed.length + none;
  const twice = duplicatesIn(claimed.map((c) => c.id));
  const byId = new Map(documents.map((doc) => [String(doc._id), doc]));
  const mismatched = claimed.filter((c) => byId.get(c.id)?.by !== c.by).length;
  const held =
    twice === 0 &&
    mismatched === 0 &&
    claimed.length === Math.min(callers, documents.length) &&
    noErrors(results);
  return {
    held,
    evidence:
      `${callers} callers on ${documents.length} free docs → ${claimed.length} claims, ` +
      `${twice} docs claimed twice${errorNote(results)}`,
  };
}

/** Each of `documents` handed to one caller; the others got null; nothing left behind. */
export function checkDeletes(
  documents: number,
  left: number,
  results: WorkloadResult<'deletes'>[],
): Measurement {
  const got = results.flatMap((result) => result.got);
  const winners = got.filter((id): id is string => id !== null);
  const twice = duplicatesIn(winners);
  const held = twice === 0 && winners.length === documents && left === 0 && noErrors(results);
  return {
    held,
    evidence:
      `${got.length} callers on ${documents} doc${documents === 1 ? '' : 's'} → ` +
      `${winners.length} handed out, ` +
      `${twice} to more than one caller${errorNote(results)}`,
  };
}

/** Every key inserted by exactly one source; every other insert of it a duplicate-key error. */
export function checkKeyRace(
  keys: number,
  stored: number,
  results: WorkloadResult<'keyRace'>[],
): Measurement {
  const won = results.flatMap((result) => result.won);
  const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
  const held =
    won.length === keys &&
    duplicatesIn(won) === 0 &&
    stored === keys &&
    duplicates === keys * (results.length - 1) &&
    noErrors(results);
  return {
    held,
    evidence: `${keys} keys × ${results.length} → ${won.length} inserted, ${duplicates} duplicate-key errors, ${stored} stored${errorNote(results)}`,
  };
}

/** Appended seqs are 1 … n, once each, and the store holds exactly those. */
export function checkAppends(stored: number[], results: WorkloadResult<'appends'>[]): Measurement {
  const seqs = results.flatMap((result) => result.seqs).sort((a, b) => a - b);
  const retries = results.reduce((n, r) => n + r.retries, 0);
  const sortedStored = [...stored].sort((a, b) => a - b);
  const expected = range(1, seqs.length).join();
  const held = seqs.join() === expected && sortedStored.join() === expected && noErrors(results);
  const gaps = range(1, Math.max(0, ...sortedStored)).filter((s) => !sortedStored.includes(s));
  return {
    held,
    evidence:
      `${seqs.length} appends → seqs 1…${sortedStored.at(-1) ?? 0}, ${gaps.length} gaps, ` +
      `${duplicatesIn(sortedStored)} duplicates, ${retries} retries${errorNote(results)}`,
  };
}

/** One document per key, inserted by one upsert; every other upsert updated it. */
export function checkUpserts(
  keys: number,
  storedKeys: number[],
  results: WorkloadResult<'upserts'>[],
): Measurement {
  const inserted = results.flatMap((result) => result.inserted);
  const duplicates = results.reduce((n, r) => n + r.duplicates.length, 0);
  const held =
    storedKeys.length === keys &&
    duplicatesIn(storedKeys) === 0 &&
    inserted.length === keys &&
    duplicatesIn(inserted) === 0 &&
    duplicates === 0 &&
    noErrors(results);
  return {
    held,
    evidence:
      `${keys} keys × ${results.length} → ${storedKeys.length} docs, ${inserted.length} inserts, ` +
      `${duplicates} duplicate-key errors${errorNote(results)}`,
  };
}
