const path = require('node:path');

/** How many skipped tests the failing line names, so a mass skip stays readable. */
const NAMED = 20;

/**
 * Prints one closing line that any CI can read: `jest: N passed, N failed, N skipped`.
 *
 * With CI=true a skipped (or todo) test fails the run: a test that does not run in CI proves
 * nothing, and a concurrency test skipped on the CI engine is exactly how a lost update ships.
 * The exception is a run narrowed by name (`-t`), whose filtered-out tests jest also reports as
 * skipped; it is not a CI run, and the line says the check was off.
 */
class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.narrowed = Boolean(globalConfig.testNamePattern);
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const failedSuites = results.numRuntimeErrorTestSuites;
    const skipped = numPendingTests + numTodoTests;
    process.stdout.write(
      `\njest: ${numPassedTests} passed, ${numFailedTests + failedSuites} failed, ${skipped} skipped\n`,
    );
    if (process.env.CI !== 'true' || skipped === 0) return;
    if (this.narrowed) {
      process.stdout.write('jest: skipped tests allowed in CI: this run was narrowed by -t\n');
      return;
    }
    const names = this.skippedNames(results);
    const more = names.length > NAMED ? [`  ... and ${names.length - NAMED} more`] : [];
    const message =
      `CI=true and ${skipped} tests were skipped: a test skipped in CI fails CI, since it ` +
      'proves nothing on the CI engines. Make it run there (or delete it):';
    process.stdout.write(`jest: ${[message, ...names.slice(0, NAMED), ...more].join('\n')}\n`);
    this.error = new Error(`${skipped} tests skipped with CI=true`);
  }

  /** Failing the run: jest reads this after onRunComplete and exits non-zero when it is set. */
  getLastError() {
    return this.error;
  }

  skippedNames(results) {
    return results.testResults.flatMap((file) =>
      file.testResults
        .filter((test) => test.status === 'pending' || test.status === 'todo')
        .map((test) => `  ${path.relative(this.rootDir, file.testFilePath)}: ${test.fullName}`),
    );
  }
}
module.exports = SummaryReporter;
