// `npm run bench`: every benchmark in one run, each printing Anole's figures next to a baseline
// measured in the same run (go tool pprof, ...). Goals are reported, never asserted in unit tests.
import { formatAnnotationsBench, runAnnotationsBench } from './annotationsBench';
import { errorMessage } from '../src/core/errors';
import { formatCliBench, runCliBench } from './cliBench';
import { formatCoreBench, runCoreBench } from './coreBench';
import { formatDebugBench, runDebugBench } from './debugBench';
import { formatFleetBench, runFleetBench } from './fleetBench';
import { formatGoroutinesBench, runGoroutinesBench } from './goroutinesBench';
import { formatPprofBench, runPprofBench } from './pprofBench';
import { formatSnapshotBench, runSnapshotBench } from './snapshotBench';
import { formatTimelineBench, runTimelineBench } from './timelineBench';
import { formatTraceBench, runTraceBench } from './traceBench';
import { formatTraceV1Bench, runTraceV1Bench } from './traceV1Bench';
import { formatVscodeBench, runVscodeBench } from './vscodeBench';

interface Bench {
  name: string;
  run(): Promise<{ text: string; ok: boolean }>;
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);

const BENCHES: Bench[] = [
  {
    name: 'CLI start: anole --help vs a bare node -e 0 (whole processes, in turns)',
    run: async () => {
      const f = await runCliBench({ log });
      return { text: formatCliBench(f), ok: f.meetsGoal };
    },
  },
  {
    name: 'pprof top vs go tool pprof -top (262k-stack heap profile), in process and as whole processes',
    run: async () => {
      const f = await runPprofBench({ log });
      return { text: formatPprofBench(f), ok: f.meetsGoal && f.wholeMeetsGoal && f.topAgrees };
    },
  },
  {
    name: 'goroutine dump: parse + group 100k goroutines (debug=2), in process and anole goroutines as a whole process',
    run: async () => {
      const f = await runGoroutinesBench({ log });
      return { text: formatGoroutinesBench(f), ok: f.meetsGoal && f.wholeMeetsGoal && f.totalsAgree && f.wholeAgrees };
    },
  },
  {
    name: 'trace: anole trace report vs go tool trace -pprof=sched (~60 MB Go trace)',
    run: async () => {
      const f = await runTraceBench({ log });
      return { text: formatTraceBench(f), ok: f.meetsGoal };
    },
  },
  {
    name: 'annotations: Profile Remote Service to decorations over the loopback sshd, minus capture seconds',
    run: async () => {
      const f = await runAnnotationsBench({ log });
      return { text: formatAnnotationsBench(f), ok: f.meetsGoal };
    },
  },
  {
    name: 'debugger stall: dlv and gdb attach + all goroutines with stacks (10k goroutines)',
    run: async () => {
      const f = await runDebugBench({ log });
      return { text: formatDebugBench(f), ok: f.meetsGoal };
    },
  },
  {
    name: 'core dumps: dlv dump and gcore of 10k goroutines, pause reported vs real stall, offline read',
    run: async () => {
      const f = await runCoreBench({ log });
      return { text: formatCoreBench(f), ok: f.reportsHonest };
    },
  },
  {
    name: 'snapshot: pause and whole dump time per method (fork snapshot, gdb, dlv) side by side, 10k and 100k goroutines; snapshot pause vs resident memory',
    run: async () => {
      const f = await runSnapshotBench({ log });
      return { text: formatSnapshotBench(f), ok: f.meetsGoal && f.readsAsFastAsDlv };
    },
  },
  {
    name: 'trace viewer: first paint of the ~60 MB trace through the language server and in code-server\'s webview',
    run: async () => {
      const f = await runTimelineBench({ log });
      return { text: formatTimelineBench(f), ok: f.meetsGoal };
    },
  },
  {
    name: 'Go 1.19 trace: old-format reader vs golang.org/x/exp/trace and go tool trace -pprof=sched',
    run: async () => {
      const f = await runTraceV1Bench({ log });
      return { text: formatTraceV1Bench(f), ok: f.meetsGoal && f.clean };
    },
  },
  {
    name: 'fleet: 8 replicas profiled at once over the loopback sshd (S + overhead, vs one replica) and a merge of 8 × 10 MB profiles',
    run: async () => {
      const f = await runFleetBench({ log });
      return { text: formatFleetBench(f), ok: f.fleetMeetsGoal && f.mergeMeetsGoal };
    },
  },
  {
    name: 'VS Code (code-server): activation time, extension host and server memory with a 50 MB profile open',
    run: async () => {
      const f = await runVscodeBench({ log });
      return { text: formatVscodeBench(f), ok: f.activationOk && f.rssOk };
    },
  },
];

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  let failed = 0;
  for (const b of BENCHES) {
    if (only.length && !only.some((o) => b.name.includes(o))) continue;
    console.log(`\n## ${b.name}`);
    try {
      const r = await b.run();
      console.log(r.text);
      if (!r.ok) failed++;
    } catch (e) {
      console.log(`FAILED: ${errorMessage(e)}`);
      failed++;
    }
  }
  console.log(`\n(2-core machine; other load skews times: compare the ratios, and run twice before trusting a figure)`);
  return failed ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);
