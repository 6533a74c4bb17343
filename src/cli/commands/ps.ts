// `anole ps HOST`: the Go processes on a host with version, listening sockets and pprof endpoint.
import { listGoProcesses } from '../../core/discovery/processes';
import { parse, positionals, printJson, usage, warn } from '../args';
import { CliHosts } from '../connect';
import { table } from '../format';
import { PS_USAGE } from '../usage';

export async function ps(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('ps', args, {});
  if (values.help) return usage(PS_USAGE);
  const [dest] = positionals('ps', pos, ['HOST']);
  const hosts = new CliHosts({ sshConfig: values['ssh-config'], trustHostKey: values['trust-host-key'], verbose: values.verbose });
  try {
    const host = await hosts.get(dest);
    const procs = await listGoProcesses(host, { onWarning: values.verbose ? warn : undefined });
    if (values.json) {
      printJson(procs.map((p) => ({ pid: p.pid, exe: p.exe, cmdline: p.cmdline, goVersion: p.goVersion, listen: p.listen, pprof: p.pprof })));
      return 0;
    }
    if (procs.length === 0) {
      console.log(`no Go processes visible to ${host.label} (processes of other users need root or the same user)`);
      return 0;
    }
    console.log(table(
      ['PID', 'GO', 'PPROF', 'LISTEN', 'COMMAND'],
      procs.map((p) => [p.pid, p.goVersion, p.pprof ?? '-', p.listen.join(',') || '-', clip(printable(p.cmdline.join(' ') || p.exe), 120)]),
      [true],
    ));
    return 0;
  } finally {
    await hosts.close();
  }
}

/** Command lines may hold control characters: show them escaped, never raw. */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
