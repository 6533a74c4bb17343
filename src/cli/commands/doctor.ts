// `anole doctor HOST [--pid N]`: the Go-on-Anolis pitfalls of a host and one process, each with its evidence and a fix.
import { runDoctor, runHostDoctor, type FullReport } from '../../core/doctor/run';
import type { Finding } from '../../core/doctor/types';
import { intOption, interruptSignal, parse, positionals, printJson, usage } from '../args';
import { DOCTOR_USAGE } from '../usage';
import { CliHosts } from '../connect';
import { table } from '../format';
import { printable } from './ps';

export async function doctor(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('doctor', args, { pid: { type: 'string' }, window: { type: 'string' } });
  if (values.help) return usage(DOCTOR_USAGE);
  const [dest] = positionals('doctor', pos, ['HOST']);
  const pid = intOption('pid', values.pid);
  const windowSec = intOption('window', values.window, 0);
  const hosts = new CliHosts({ sshConfig: values['ssh-config'], trustHostKey: values['trust-host-key'], verbose: values.verbose });
  try {
    const host = await hosts.get(dest);
    const signal = interruptSignal();
    const report: FullReport = pid === undefined ? await runHostDoctor(host, { signal }) : await runDoctor(host, { pid, windowSec, signal });
    if (values.json) {
      printJson(report);
      return 0;
    }
    console.log(renderReport(report, values.verbose === true));
    return 0;
  } finally {
    await hosts.close();
  }
}

const MARK: Record<Finding['severity'], string> = { ok: 'ok', info: 'info', warning: 'WARN', error: 'ERROR' };

/** The report as text: a header, one line per check, evidence and fix under each that is not ok (all with verbose). */
export function renderReport(r: FullReport, verbose: boolean): string {
  const out: string[] = [];
  out.push(`host: ${r.host.os}, kernel ${r.host.kernel}, cgroup ${r.host.cgroup}`);
  if (r.process) out.push(`process: ${r.process.pid} ${printable(r.process.exe)} (${r.process.goVersion ?? 'not a readable Go binary'})`);
  out.push('');
  out.push(table(['SEVERITY', 'CHECK', 'FINDING'], r.findings.map((f) => [MARK[f.severity], f.id, f.title])));
  const detailed = r.findings.filter((f) => verbose || f.severity === 'warning' || f.severity === 'error');
  for (const f of detailed) {
    out.push('', `${MARK[f.severity]} ${f.id}: ${f.title}`);
    for (const e of f.evidence) out.push(`  ${e.source}: ${printable(e.value)}`);
    if (f.fix) out.push(`  fix: ${f.fix}`);
  }
  if (r.processes) {
    out.push('');
    if (!r.processes.length) out.push('no Go processes visible (processes of other users need root or the same user)');
    else {
      out.push(table(['PID', 'GO', 'WORST', 'FINDING', 'EXE'], r.processes.map((p) => [
        p.pid, p.goVersion, MARK[p.worst], p.finding ? `${p.finding.id}: ${p.finding.title}` : '-', printable(p.exe),
      ]), [true]));
      out.push('', 'details: anole doctor HOST --pid PID');
    }
  }
  return out.join('\n');
}
