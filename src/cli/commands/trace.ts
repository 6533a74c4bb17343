// `anole trace report`: the goroutine starvation report of a Go execution trace file.
import * as fs from 'node:fs';
import { AnoleError } from '../../core/errors';
import { type StarvationReport, starvationReport } from '../../core/trace';
import { intOption, parse, positionals, printJson, usage, warn } from '../args';
import { TRACE_USAGE } from '../usage';
import { nanos, table } from '../format';

export async function trace(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('trace', args, { limit: { type: 'string' } });
  if (values.help) return usage(TRACE_USAGE);
  const [sub, file] = positionals('trace', pos, ['a subcommand (report)', 'TRACE']);
  if (sub !== 'report') throw new AnoleError('BAD_INPUT', `trace: unknown subcommand '${sub}'`, 'see: anole trace --help');
  const limit = intOption('limit', values.limit);
  if (!fs.existsSync(file)) throw new AnoleError('NOT_FOUND', `no such file: ${file}`);
  const report = starvationReport(fs.readFileSync(file));
  for (const w of report.warnings) warn(w);
  if (values.json) {
    printJson(report);
    return 0;
  }
  printText(report, limit ?? 20);
  return 0;
}

function printText(r: StarvationReport, limit: number): void {
  console.log(`${r.goVersion} trace, ${nanos(r.durationNs)}, GOMAXPROCS ${r.gomaxprocs}; ${r.groups.length} goroutine groups`);
  const rows = r.groups.slice(0, limit).map((g) => {
    const blocked = Object.entries(g.blockedNs).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    return [
      g.function,
      g.created ? `${g.created.file.split('/').pop()}:${g.created.line}` : '-',
      g.count,
      nanos(g.runningNs),
      nanos(g.runnableNs),
      `${Math.round(g.runnableShare * 100)}%`,
      nanos(g.runnableP99Ns),
      nanos(g.runnableMaxNs),
      blocked.slice(0, 2).map(([k, v]) => `${k} ${nanos(v)}`).join(', ') || '-',
    ];
  });
  console.log(`\n${table(['GROUP', 'CREATED AT', 'N', 'RUNNING', 'RUNNABLE', 'SHARE', 'P99', 'MAX', 'BLOCKED'], rows, [false, false, true, true, true, true, true, true, false])}`);
  const lines = r.lines.slice(0, limit).map((l) => [l.kind, nanos(l.ns), l.count, nanos(l.maxNs), l.function, `${l.file}:${l.line}`]);
  if (lines.length) console.log(`\nWhere goroutines wait (runnable: charged to the line where they resume)\n${table(['KIND', 'TIME', 'COUNT', 'MAX', 'FUNCTION', 'LINE'], lines, [false, true, true, true, false, false])}`);
  const gc = r.gc;
  console.log(`\nGC: ${gc.count} cycles; stop-the-world ${gc.stwCount}× total ${nanos(gc.stwTotalNs)} max ${nanos(gc.stwMaxNs)}; mark assist ${nanos(gc.assistNs)}`);
  const timers = r.timers.slice(0, 5).map((t) => [nanos(t.overrunNs), t.count, nanos(t.minNs), nanos(t.meanNs), nanos(t.maxNs), `${t.file}:${t.line}`]);
  if (timers.length) console.log(`\nTimer overrun at sleep sites (shortest sleep seen taken as the asked duration)\n${table(['OVERRUN', 'SLEEPS', 'MIN', 'MEAN', 'MAX', 'LINE'], timers, [true, true, true, true, true, false])}`);
  const s = r.saturation;
  if (s.samples > 0) {
    console.log(`While goroutines waited runnable (${s.samples} ms sampled): all Ps busy ${Math.round((100 * s.allPsBusy) / s.samples)}%, some P idle ${Math.round((100 * s.somePIdle) / s.samples)}%`);
  }
}
