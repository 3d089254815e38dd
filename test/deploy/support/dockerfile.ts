import { readText } from './files';

export interface Instruction {
  /** The stage's name (`FROM … AS name`), or its index. */
  stage: string;
  keyword: string;
  args: string;
  line: number;
}

export const IMAGES = ['api-service', 'realtime-gateway', 'standalone'] as const;
export type ImageName = (typeof IMAGES)[number];

export function dockerfilePath(image: ImageName): string {
  return `services/${image}/Dockerfile`;
}

/**
 * A Dockerfile's instructions with their stage: comments dropped, `\` continuations joined. Enough
 * of the syntax for the files here (no heredocs, no escape directive).
 */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = '';
  let stages = 0;
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending
      ? { text: `${pending.text} ${part}`, line: pending.line }
      : { text: part, line: index + 1 };
    if (continued) return;
    const match = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(pending.text);
    if (!match) throw new Error(`Dockerfile line ${pending.line}: cannot parse ${pending.text}`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      stages += 1;
      stage = /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? String(stages - 1);
    }
    instructions.push({ stage, keyword, args, line: pending.line });
    pending = undefined;
  });
  return instructions;
}

export function loadDockerfile(image: ImageName): Instruction[] {
  return parseDockerfile(readText(dockerfilePath(image)));
}

/** The exec form of CMD / ENTRYPOINT / HEALTHCHECK … CMD (a JSON array); throws on shell form. */
export function execForm(args: string, what: string): string[] {
  const json = args.slice(args.indexOf('['));
  try {
    const parsed: unknown = JSON.parse(json);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
  } catch {
    // reported below
  }
  throw new Error(`${what} is not in exec form (a JSON array of strings): ${args}`);
}

/** ENV instructions of a stage as a map (`ENV A=1 B=2` form). */
export function envOf(instructions: Instruction[], stage: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const { args } of instructions.filter((i) => i.stage === stage && i.keyword === 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const [name, ...value] = pair.split('=');
      if (!name || value.length === 0) throw new Error(`ENV ${args}: use the NAME=value form`);
      env.set(name, value.join('='));
    }
  }
  return env;
}

/** The last stage: what `docker build` without `--target` produces. */
export function finalStage(instructions: Instruction[]): string {
  const last = instructions.filter((i) => i.keyword === 'FROM').pop();
  if (!last) throw new Error('no FROM');
  return last.stage;
}

/** The `scripts/docker/build.sh` invocations of a stage's RUN lines, as argument lists. */
export function buildSteps(instructions: Instruction[]): string[][] {
  return instructions
    .filter((i) => i.keyword === 'RUN' && i.args.includes('scripts/docker/build.sh'))
    .map((i) => {
      const command = i.args.replace(/^(--\S+\s+)+/, '');
      const words = command.split(/\s+/);
      if (words[0] !== 'bash' || words[1] !== 'scripts/docker/build.sh') {
        throw new Error(`line ${i.line}: RUN must be exactly 'bash scripts/docker/build.sh …'`);
      }
      return words.slice(2);
    });
}
