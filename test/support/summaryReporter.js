// Mocha reporter: the spec output, then one closing line "tier: N passed, N failed, N skipped".
// A pending (skipped) test counts as a failure of the run: a tier that cannot run must say so.
'use strict';
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      const tier = process.env.ANOLE_TIER || 'tests';
      if (s.pending > 0) {
        console.log(`${tier}: ${s.pending} test(s) were skipped; skipped tests fail the run.`);
        process.exitCode = 1;
      }
      console.log(`${tier}: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`);
      if (process.env.ANOLE_STATS_FILE) {
        require('node:fs').appendFileSync(process.env.ANOLE_STATS_FILE, `${tier} ${s.passes} ${s.failures} ${s.pending}\n`);
      }
    });
  }
}
module.exports = SummaryReporter;
