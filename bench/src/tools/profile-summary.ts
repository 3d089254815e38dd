/**
 * Summarizes a V8 `.cpuprofile` (from `npm run bench -- --cpu-prof`): the functions with the most
 * self time, and self time per package/file, so a profile can be read without DevTools.
 *
 *   npx tsx bench/src/tools/profile-summary.ts bench/results/profiles/<name>.cpuprofile [top] [focus]
 *
 * With `focus` (a substring of "function  file:line"), also the inclusive time of the matching
 * frames and of their direct callees: where the time under, say, the fanout handler goes.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  const ours = /\/(packages|services|bench)\/([^/]+)\/(.*)$/.exec(path);
  if (ours) return `${ours[1]}/${ours[2]}/${ours[3]}`;
  if (path.startsWith('node:')) return path;
  return path === '' ? '(native/vm)' : path;
}

function main(): void {
  const [file, topArg, focus] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top]');
  const top = Number(topArg ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const total = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.functionName || '(anonymous)';
    const key = `${name}  ${where(frame.url)}:${frame.lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    const group = where(frame.url);
    files.set(group, (files.get(group) ?? 0) + us);
  }
  const print = (title: string, entries: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [key, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`,
      );
    }
  };
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  print('self time by function', functions);
  print('self time by package / file', files);
  if (focus) printFocus(profile, byId, selfUs, total, focus, top);
}

function keyOf(node: ProfileNode): string {
  const frame = node.callFrame;
  return `${frame.functionName || '(anonymous)'}  ${where(frame.url)}:${frame.lineNumber + 1}`;
}

function printFocus(
  profile: CpuProfile,
  byId: Map<number, ProfileNode>,
  selfUs: Map<number, number>,
  total: number,
  focus: string,
  top: number,
): void {
  const inclusive = new Map<number, number>();
  const visit = (node: ProfileNode): number => {
    let sum = selfUs.get(node.id) ?? 0;
    for (const child of node.children ?? []) sum += visit(byId.get(child)!);
    inclusive.set(node.id, sum);
    return sum;
  };
  visit(profile.nodes[0]!);
  let focusTotal = 0;
  const callees = new Map<string, number>();
  const seen = (node: ProfileNode, inside: boolean): void => {
    const match = !inside && keyOf(node).includes(focus);
    if (match) {
      focusTotal += inclusive.get(node.id) ?? 0;
      callees.set('(self)', (callees.get('(self)') ?? 0) + (selfUs.get(node.id) ?? 0));
      for (const child of node.children ?? []) {
        const callee = byId.get(child)!;
        const key = keyOf(callee);
        callees.set(key, (callees.get(key) ?? 0) + (inclusive.get(child) ?? 0));
      }
    }
    for (const child of node.children ?? []) seen(byId.get(child)!, inside || match);
  };
  seen(profile.nodes[0]!, false);
  console.log(
    `\ninclusive time under "${focus}": ${(focusTotal / 1000).toFixed(0)} ms ` +
      `(${((focusTotal / total) * 100).toFixed(1)}% of all samples); its direct callees:`,
  );
  for (const [key, us] of [...callees].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = ((us / Math.max(1, focusTotal)) * 100).toFixed(1).padStart(5);
    console.log(`${share}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
  }
}

main();
