/**
 * Prints the figures block of the README's Performance section from a report's JSON, so the README
 * can be refreshed after a run: `npx tsx bench/src/tools/readme-figures.ts [bench/results/latest.json]`.
 */
import { readFileSync } from 'node:fs';
import { format } from 'prettier';
import { renderTargets } from '../report/markdown';
import { type BenchReport } from '../report/report';

async function main(): Promise<void> {
  const file = process.argv[2] ?? 'bench/results/latest.json';
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  const m = report.machine;
  const text =
    `Run of ${report.generatedAt.slice(0, 10)} (commit ${m.commit}), ${m.cores} cores ` +
    `(${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, load average at start ` +
    `${m.loadAverageAtStart.join(' ')}. Median of ${report.parameters.runs} runs.\n\n` +
    renderTargets(report);
  process.stdout.write(await format(text, { parser: 'markdown', printWidth: 100 }));
}

void main();
