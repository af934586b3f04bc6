// Prints one plain closing line, "miniprogram: N passed, N failed", that CI
// scripts can read regardless of jest's own summary format.
class SummaryReporter {
  onRunComplete(contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = 'miniprogram: ' + results.numPassedTests + ' passed, ' + results.numFailedTests + ' failed' +
      (skipped ? ', ' + skipped + ' skipped' : '');
    process.stdout.write('\n' + line + '\n');
  }
}

module.exports = SummaryReporter;
