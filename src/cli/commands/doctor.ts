// `anole doctor HOST [--pid N]`: the Go-on-Anolis pitfalls of a host and one process, each with its evidence and a fix.
import * as path from 'node:path';
import { english, type Translate } from '../../core/doctor/msg';
import { runDoctor, runHostDoctor, type FullReport } from '../../core/doctor/run';
import { AnoleError } from '../../core/errors';
import { loadTranslator } from '../../core/l10nBundle';
import type { Finding } from '../../core/doctor/types';
import { intOption, interruptSignal, parse, positionals, printJson, usage } from '../args';
import { DOCTOR_USAGE } from '../usage';
import { CliHosts } from '../connect';
import { table } from '../format';
import { printable } from './ps';

export async function doctor(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('doctor', args, { pid: { type: 'string' }, window: { type: 'string' }, lang: { type: 'string' } });
  if (values.help) return usage(DOCTOR_USAGE);
  const [dest] = positionals('doctor', pos, ['HOST']);
  const pid = intOption('pid', values.pid);
  const windowSec = intOption('window', values.window, 0);
  const translate = doctorTranslator(values.lang, values.json === true, process.env);
  const hosts = new CliHosts({ sshConfig: values['ssh-config'], trustHostKey: values['trust-host-key'], verbose: values.verbose });
  try {
    const host = await hosts.get(dest);
    const signal = interruptSignal();
    const report: FullReport = pid === undefined ? await runHostDoctor(host, { signal, translate }) : await runDoctor(host, { pid, windowSec, signal, translate });
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

/** Where l10n/ is: next to dist/ when bundled, at the repository root under tsx. */
const L10N_DIRS = [path.join(__dirname, '..', 'l10n'), path.join(__dirname, '..', '..', '..', 'l10n')];

/**
 * The findings' language: --lang, else (text output only, so scripts reading --json get stable
 * English) the locale of LC_ALL, LC_MESSAGES or LANG. An explicit --lang without a bundle is an error.
 */
export function doctorTranslator(lang: string | undefined, json: boolean, env: NodeJS.ProcessEnv): Translate {
  if (lang !== undefined) {
    const t = loadTranslator(L10N_DIRS, lang);
    if (t === english && !/^(en|c|posix)([-_.].*)?$/i.test(lang)) {
      throw new AnoleError('BAD_INPUT', `--lang ${lang}: no translation`, 'use --lang en or --lang zh-cn');
    }
    return t;
  }
  return json ? english : loadTranslator(L10N_DIRS, env.LC_ALL || env.LC_MESSAGES || env.LANG);
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
