// Benchmark: Anole's decode+top vs `go tool pprof -top` (and pprof-format's decoder) on a 2^18-stack heap profile.
// Run: npx tsx bench/pprofBench.ts   (ANOLE_BENCH_DEPTH=14 for a quick run)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile as PfProfile } from 'pprof-format';
import { decodeProfile, top, topFromBytes } from '../src/core/pprof';
import { formatRows, median, medianTimes, nodeAsLaunched, processTimes, requireBuiltCli, requireLauncher, run, runAsScript, timed, type ProcessTime } from './util';

/** Anole's time must be at most this fraction of go tool pprof's. */
export const GOAL_RATIO = 0.05;
/** `anole top` as a whole process (start, read, decode, print) against `go tool pprof -top`'s whole process. */
export const WHOLE_GOAL_RATIO = 0.03;

/** What the benchmark measured; times in milliseconds, sizes in bytes. */
export interface PprofBenchFigures {
  depth: number;
  samples: number;
  gzBytes: number;
  rawBytes: number;
  /** go tool pprof -top: the first (warm-up) run, then the timed runs and their median. */
  pprofFirstMs: number;
  pprofRunsMs: number[];
  pprofMedianMs: number;
  /** Anole read+gunzip+decode+top by function, first run in this process. */
  anoleColdMs: number;
  anoleRunsMs: number[];
  anoleMedianMs: number;
  /** anoleMedianMs / pprofMedianMs, and whether it is within GOAL_RATIO. */
  ratio: number;
  coldRatio: number;
  meetsGoal: boolean;
  /** Decoding the raw (gunzipped) bytes only: Anole vs pprof-format. */
  anoleDecodeMs: number;
  anoleDecodeMBps: number;
  pprofFormatDecodeMs: number;
  pprofFormatDecodeMBps: number;
  /** True if Anole's top rows agree with go tool pprof's (names and flat values). */
  topAgrees: boolean;
  /** `anole top PROFILE` (bin/anole, as users run it) start to exit, timed in turns with go tool pprof -top (also CPU times). */
  wholeRuns: ProcessTime[];
  whole: ProcessTime;
  pprofCpuMedianMs: number;
  /** whole / pprof median wall time, and whether it is within WHOLE_GOAL_RATIO; the same by CPU time. */
  wholeRatio: number;
  wholeCpuRatio: number;
  wholeMeetsGoal: boolean;
  /**
   * What any Node program reading this file pays, timed in the same turns: a bare `node -e 0`, and
   * node reading and gunzipping the file (as anole top does) and nothing else; both started as bin/anole
   * starts node for top (without NODE_EXTRA_CA_CERTS).
   */
  floorNodeRuns: ProcessTime[];
  floorNode: ProcessTime;
  floorGunzipRuns: ProcessTime[];
  floorGunzip: ProcessTime;
  /**
   * When this machine sets NODE_EXTRA_CA_CERTS (Node then parses that CA file at every start, before any
   * script): `node dist/cli.js top` and `node -e 0` timed in the same turns with it, i.e. the CLI started
   * without the launcher, which drops the variable for top. Information only; the goal is judged on `whole`.
   */
  withExtraCa?: { variable: string; whole: ProcessTime; node: ProcessTime; wholeRatio: number };
  /** anole top's own fast path in process (read, gunzip, aggregate from the bytes): median and first run. */
  wireMedianMs: number;
  wireColdMs: number;
}

/** Node reading and gunzipping a file in one go, the way container.ts does (output sized from the gzip trailer). */
const GUNZIP_ONLY =
  "const b=require('fs').readFileSync(process.argv[1]);require('zlib').gunzipSync(b,{chunkSize:b.readUInt32LE(b.length-4)+1})";




/** Parses the first rows of `go tool pprof -top -unit=B` into [name, flat]. */
function pprofRows(text: string, n: number): [string, number][] {
  const lines = text.split('\n');
  const h = lines.findIndex((l) => /^\s*flat\s+flat%/.test(l));
  return lines
    .slice(h + 1, h + 1 + n)
    .map((l) => /^\s*(-?\d+)B?\s+\S+%\s+\S+%\s+\S+\s+\S+%\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[2].replace(/ \((partial-)?inline\)$/, ''), Number(m[1])]);
}

/** Builds the generator, writes the profile, times both tools and returns the figures. */
export async function runPprofBench(opts: { depth?: number; log?: (line: string) => void } = {}): Promise<PprofBenchFigures> {
  const depth = opts.depth ?? Number(process.env.ANOLE_BENCH_DEPTH ?? 18);
  const log = opts.log ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'anole-pprof-bench-'));
  try {
    const gen = join(__dirname, 'gen', 'heapgen');
    const bin = join(dir, 'heapgen');
    const file = join(dir, 'heap.pb.gz');
    log(`building ${gen} and writing a heap profile with 2^${depth} stacks...`);
    await run('go', ['build', '-o', bin, '.'], gen);
    await run(bin, ['-out', file, '-depth', String(depth)]);
    const gz = await readFile(file);
    const raw = gunzipSync(gz);

    log('timing go tool pprof -top, anole top and the Node floors as whole processes, in turns (one warm-up run, then three of pprof, seven of the others)...');
    const cli = requireBuiltCli();
    const anoleCmd = requireLauncher();
    const pprofArgs = ['tool', 'pprof', '-top', '-unit=B', file];
    const [pprofFirstMs] = await timed(() => run('go', pprofArgs));
    const pprofText = await run('go', pprofArgs);
    const ours: [string, string[]][] = [
      [anoleCmd, ['top', file]],
      nodeAsLaunched(['-e', '0']),
      nodeAsLaunched(['-e', GUNZIP_ONLY, file]),
    ];
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    if (extraCa) ours.push(['node', [cli, 'top', file]], ['node', ['-e', '0']]);
    await processTimes(ours, 1); // warm the page cache
    const [pprofRuns, ...first] = await processTimes([['go', pprofArgs], ...ours], 3);
    const more = await processTimes(ours, 4);
    const [wholeRuns, floorNodeRuns, floorGunzipRuns, caWholeRuns, caNodeRuns] = first.map((runs, i) => [...runs, ...more[i]]);
    const pprofRunsMs = pprofRuns.map((r) => r.wallMs);

    log('timing Anole read + decode + top...');
    const anole = async () => top(decodeProfile(await readFile(file)), { limit: 10 });
    const [anoleColdMs, result] = await timed(anole);
    const anoleRunsMs: number[] = [];
    for (let i = 0; i < 7; i++) anoleRunsMs.push((await timed(anole))[0]);

    log('timing anole top\'s fast path (read + gunzip + aggregate from the bytes) in process...');
    const wire = async () => topFromBytes(await readFile(file), { limit: 10 });
    const [wireColdMs] = await timed(wire);
    const wireRunsMs: number[] = [];
    for (let i = 0; i < 7; i++) wireRunsMs.push((await timed(wire))[0]);

    log('timing raw decoding: Anole vs pprof-format...');
    const decodeRuns: number[] = [];
    let samples = 0;
    for (let i = 0; i < 5; i++) {
      const [ms, p] = await timed(() => decodeProfile(raw));
      decodeRuns.push(ms);
      samples = p.samples.count;
    }
    const pfRuns: number[] = [];
    for (let i = 0; i < 2; i++) pfRuns.push((await timed(() => PfProfile.decode(raw)))[0]);

    // go tool pprof drops small nodes (-nodefraction), so look its rows up among all of ours.
    const theirs = pprofRows(pprofText, 5);
    const all = new Map(top(decodeProfile(gz)).rows.map((r) => [r.function, r.flat]));
    const topAgrees =
      theirs.length > 0 && theirs[0][0] === result.rows[0]?.function && theirs.every(([name, flat]) => all.get(name) === flat);
    const pprofMedianMs = median(pprofRunsMs);
    const anoleMedianMs = median(anoleRunsMs);
    const whole = medianTimes(wholeRuns);
    const pprofCpuMedianMs = median(pprofRuns.map((r) => r.cpuMs));
    const mb = raw.length / 1e6;
    const anoleDecodeMs = median(decodeRuns);
    const pprofFormatDecodeMs = median(pfRuns);
    return {
      depth,
      samples,
      gzBytes: gz.length,
      rawBytes: raw.length,
      pprofFirstMs,
      pprofRunsMs,
      pprofMedianMs,
      anoleColdMs,
      anoleRunsMs,
      anoleMedianMs,
      ratio: anoleMedianMs / pprofMedianMs,
      coldRatio: anoleColdMs / pprofMedianMs,
      meetsGoal: anoleMedianMs / pprofMedianMs <= GOAL_RATIO,
      anoleDecodeMs,
      anoleDecodeMBps: mb / (anoleDecodeMs / 1000),
      pprofFormatDecodeMs,
      pprofFormatDecodeMBps: mb / (pprofFormatDecodeMs / 1000),
      topAgrees,
      wholeRuns,
      whole,
      pprofCpuMedianMs,
      wholeRatio: whole.wallMs / pprofMedianMs,
      wholeCpuRatio: whole.cpuMs / pprofCpuMedianMs,
      wholeMeetsGoal: whole.wallMs / pprofMedianMs <= WHOLE_GOAL_RATIO,
      floorNodeRuns,
      floorNode: medianTimes(floorNodeRuns),
      floorGunzipRuns,
      floorGunzip: medianTimes(floorGunzipRuns),
      ...(extraCa && caWholeRuns && caNodeRuns
        ? { withExtraCa: { variable: extraCa, whole: medianTimes(caWholeRuns), node: medianTimes(caNodeRuns), wholeRatio: medianTimes(caWholeRuns).wallMs / pprofMedianMs } }
        : {}),
      wireMedianMs: median(wireRunsMs),
      wireColdMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The figures as a small text table. */
export function formatPprofBench(f: PprofBenchFigures): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  // A floor as a share of pprof's time: what is left of the whole-process goal once it is paid.
  const floor = (t: ProcessTime, runs: ProcessTime[]) =>
    `${ms(t.wallMs)} median of ${runs.length}, CPU ${ms(t.cpuMs)}: ${(t.wallMs / f.pprofMedianMs).toFixed(4)} of pprof (CPU ${(t.cpuMs / f.pprofCpuMedianMs).toFixed(4)})`;
  const rows: [string, string][] = [
    ['profile', `heap, 2^${f.depth} stacks: ${f.samples} samples, ${(f.gzBytes / 1e6).toFixed(2)} MB gz, ${(f.rawBytes / 1e6).toFixed(2)} MB raw`],
    ['go tool pprof -top', `${ms(f.pprofMedianMs)} median of ${f.pprofRunsMs.length} (first run ${ms(f.pprofFirstMs)}), CPU ${ms(f.pprofCpuMedianMs)}`],
    ['anole top (whole process)', `${ms(f.whole.wallMs)} median of ${f.wholeRuns.length} (fastest ${ms(Math.min(...f.wholeRuns.map((r) => r.wallMs)))}), CPU ${ms(f.whole.cpuMs)}`],
    ['ratio whole processes', `${f.wholeRatio.toFixed(4)} (CPU time ${f.wholeCpuRatio.toFixed(4)}); goal <= ${WHOLE_GOAL_RATIO}: ${f.wholeMeetsGoal ? 'MET' : 'NOT MET'}`],
    ['floor: node -e 0', floor(f.floorNode, f.floorNodeRuns)],
    ['floor: node + read + gunzip', floor(f.floorGunzip, f.floorGunzipRuns)],
    ['anole top beyond that floor', `${ms(f.whole.wallMs - f.floorGunzip.wallMs)} = ${((f.whole.wallMs - f.floorGunzip.wallMs) / f.pprofMedianMs).toFixed(4)} of pprof`],
    ...(f.withExtraCa
      ? [[
        'with NODE_EXTRA_CA_CERTS',
        `this machine sets it (${f.withExtraCa.variable}); bin/anole drops it for top, as Node would parse that file first. ` +
          `Started without the launcher, with it, in the same turns: node dist/cli.js top ${ms(f.withExtraCa.whole.wallMs)} = ` +
          `${f.withExtraCa.wholeRatio.toFixed(4)} of pprof, node -e 0 ${ms(f.withExtraCa.node.wallMs)} (information)`,
      ] as [string, string]]
      : []),
    ['anole top fast path (in process)', `${ms(f.wireMedianMs)} median of 7 (cold ${ms(f.wireColdMs)}): read + gunzip + aggregate from the bytes`],
    ['anole decodeProfile+top (in process)', `${ms(f.anoleMedianMs)} median of ${f.anoleRunsMs.length} (cold ${ms(f.anoleColdMs)})`],
    ['ratio in process', `${f.ratio.toFixed(4)} (cold ${f.coldRatio.toFixed(4)}); goal <= ${GOAL_RATIO}: ${f.meetsGoal ? 'MET' : 'NOT MET'}`],
    ['decode raw: anole', `${ms(f.anoleDecodeMs)} = ${f.anoleDecodeMBps.toFixed(0)} MB/s`],
    ['decode raw: pprof-format', `${ms(f.pprofFormatDecodeMs)} = ${f.pprofFormatDecodeMBps.toFixed(1)} MB/s`],
    ['top rows agree with pprof', f.topAgrees ? 'yes' : 'NO'],
  ];
  return formatRows(rows);
}

if (require.main === module) runAsScript('pprof', runPprofBench, formatPprofBench, (f) => f.meetsGoal && f.wholeMeetsGoal && f.topAgrees);
