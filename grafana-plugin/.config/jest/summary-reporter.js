/* global module */
// Prints one closing line after jest's own summary: "N passed, N failed[, N skipped]" (the plain
// form CI reads), so the output of `npm test -w grafana-plugin` ends with the counts.
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    // After jest's own summary, which its default reporter prints later in the same tick.
    process.once('exit', () => console.log(line));
  }
}

module.exports = SummaryLineReporter;
