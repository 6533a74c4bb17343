// `anole goroutines`: a goroutine dump (file, or live from a host) grouped by identical stacks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnoleError } from '../../core/errors';
import { analyzeGoroutineDump, type GoroutineReport } from '../../core/goroutines';
import { analyzeGoroutineDumpFile } from '../../core/goroutines/file';
import { intOption, interruptSignal, parse, positionals, printJson, usage, warn } from '../args';
import { GOROUTINES_USAGE } from '../usage';

const VIA = ['dlv', 'gdb', 'auto', 'snapshot'] as const;

export async function goroutines(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('goroutines', args, {
    pid: { type: 'string' }, url: { type: 'string' }, limit: { type: 'string' }, via: { type: 'string' },
    core: { type: 'string' }, exe: { type: 'string' },
  });
  if (values.help) return usage(GOROUTINES_USAGE);
  if (values.core !== undefined) return fromCore(values.core, values.exe, values.via, pos, intOption('limit', values.limit), !!values.json);
  const [source] = positionals('goroutines', pos, ['DUMPFILE or HOST']);
  const pid = intOption('pid', values.pid);
  const limit = intOption('limit', values.limit);
  const via = values.via as (typeof VIA)[number] | undefined;
  if (via !== undefined && !VIA.includes(via)) throw new AnoleError('BAD_INPUT', `--via must be one of ${VIA.join(', ')}, not "${via}"`);
  if (via !== undefined && (pid === undefined || values.url !== undefined)) {
    throw new AnoleError('BAD_INPUT', '--via needs HOST and --pid N (a debugger attaches to a process, not a URL)');
  }
  if (pid === undefined && values.url === undefined) {
    if (!fs.existsSync(source)) {
      throw new AnoleError('NOT_FOUND', `no such file: ${source}`, 'to read a live process, give HOST with --pid N or --url URL');
    }
    return report(analyzeGoroutineDumpFile(source), limit, !!values.json);
  }
  // A live dump: ssh2 and the debuggers load only now, so reading a file stays quick to start.
  const [{ CliHosts }, { dumpGoroutinesViaDebugger }, { dumpGoroutinesViaSnapshot }, { fetchCapture, resolveEndpoint }] = await Promise.all([
    import('../connect'), import('../../core/debug/dump'), import('../../core/debug/snapshotDump'), import('../../core/workflow/endpoint'),
  ]);
  let text: Buffer | string;
  const hosts = new CliHosts({ sshConfig: values['ssh-config'], trustHostKey: values['trust-host-key'], verbose: values.verbose });
  try {
    const signal = interruptSignal();
    const host = await hosts.get(source);
    if (via === 'snapshot') {
      const dump = await dumpGoroutinesViaSnapshot(host, pid!, { signal });
      if (dump.fallback) warn(`no snapshot: ${dump.fallback}; read with the process stopped instead`);
      if (dump.snapshot?.zombie) warn('the snapshot had to be the service\'s own child (the service is an init): it stays a zombie there until the service reaps its children');
      warn(`paused the process for ${dump.pauseMs} ms (longest stop) via ${dump.method === 'snapshot' ? 'a fork snapshot (gdb)' : dump.backend}`);
      text = dump.text;
    } else if (via !== undefined) {
      const dump = await dumpGoroutinesViaDebugger(host, pid!, { backend: via, signal });
      warn(`paused the process for ${dump.pauseMs} ms (longest stop) via ${dump.backend}`);
      text = dump.text;
    } else {
      const endpoint = await resolveEndpoint(host, { pid, url: values.url }, signal);
      text = await fetchCapture(host, endpoint, { kind: 'goroutine', text: true }, { signal });
    }
  } finally {
    await hosts.close();
  }
  return report(analyzeGoroutineDump(text), limit, !!values.json);
}

/** `--core FILE --exe FILE`: the goroutines of a core dump, read with this machine's debugger. */
async function fromCore(coreFile: string, exe: string | undefined, via: string | undefined, pos: string[], limit: number | undefined, json: boolean): Promise<number> {
  positionals('goroutines', pos, []);
  if (!exe) throw new AnoleError('BAD_INPUT', '--core needs --exe FILE, the executable that wrote the core', 'anole core saves it as FILE.exe');
  const backend = (via ?? 'auto') as Exclude<(typeof VIA)[number], 'snapshot'>;
  if (!VIA.includes(backend) || via === 'snapshot') throw new AnoleError('BAD_INPUT', `--via must be one of ${VIA.join(', ')}, not "${via}"`);
  for (const f of [coreFile, exe]) if (!fs.existsSync(f)) throw new AnoleError('NOT_FOUND', `no such file: ${f}`);
  const [{ LocalHost }, { dumpGoroutinesFromCore }] = await Promise.all([import('../../core/remote/localHost'), import('../../core/debug/dump')]);
  const host = new LocalHost();
  try {
    const dump = await dumpGoroutinesFromCore(host, { core: path.resolve(coreFile), executable: path.resolve(exe) }, { backend, signal: interruptSignal() });
    warn(`read ${dump.goroutines.length} goroutines from the core with ${dump.backend} in ${dump.totalMs} ms`);
    return report(analyzeGoroutineDump(dump.text), limit, json);
  } finally {
    await host.close();
  }
}

function report(report: GoroutineReport, limit: number | undefined, json: boolean): number {
  for (const w of report.warnings) warn(w);
  const groups = limit ? report.groups.slice(0, limit) : report.groups;
  if (json) {
    printJson({
      total: report.total,
      groups: groups.map((g) => ({ count: g.count, state: g.state, waitMinutes: g.waitMinutes, frames: g.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })) })),
    });
    return 0;
  }
  printText(report, groups);
  return 0;
}

function printText(report: GoroutineReport, groups: GoroutineReport['groups']): void {
  console.log(`${report.total} goroutines in ${report.groups.length} groups (${report.format})${groups.length < report.groups.length ? `; showing ${groups.length}` : ''}`);
  for (const g of groups) {
    const wait = g.waitMinutes !== null ? `, up to ${g.waitMinutes} minutes` : '';
    console.log(`\n${g.count} × [${g.state || 'unknown state'}${wait}]`);
    for (const f of g.frames) console.log(`    ${f.function}\n        ${f.file}:${f.line}`);
    if (g.createdBy) console.log(`    created by ${g.createdBy.function}\n        ${g.createdBy.file}:${g.createdBy.line}`);
  }
}
