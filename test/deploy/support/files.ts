import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

/** The workspace root. */
export const ROOT = path.resolve(__dirname, '../../..');

export const execFileAsync = promisify(execFile);

export function readText(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

/** Every document of a YAML stream as plain data; a syntax error or a duplicate key throws. */
export function parseYaml(text: string, source: string): unknown[] {
  return parseAllDocuments(text, { merge: true, uniqueKeys: true }).flatMap((document) => {
    const problem = document.errors[0];
    if (problem) throw new Error(`${source}: ${problem.message}`);
    const value: unknown = document.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

/**
 * An env file (`.env.example`, `k8s/base/<service>/config.env`): `NAME=value` lines, `#`
 * comments and blank lines. Values are taken literally, as compose and kustomize do for these
 * files (no quotes are used here). A malformed or repeated name throws.
 */
export function parseEnvFile(text: string, source: string): Map<string, string> {
  const entries = new Map<string, string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`${source}:${index + 1}: not NAME=value: ${line}`);
    const [, name, value] = match as unknown as [string, string, string];
    if (entries.has(name)) throw new Error(`${source}:${index + 1}: ${name} is set twice`);
    entries.set(name, value);
  });
  return entries;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` as a record, or a descriptive error (the checks read untrusted files). */
export function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${what} is not a mapping`);
  return value;
}

export function asArray(value: unknown, what: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value as unknown[];
}

/** An environment for child processes without the npm_* variables of `npm test` / `npm run`. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}
