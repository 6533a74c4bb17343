// `anole core`: a core dump of a live Go process (gcore or dlv on the host), fetched with its executable.
import * as path from 'node:path';
import { captureCoreDump, type CoreTool } from '../../core/debug/coreDump';
import { AnoleError } from '../../core/errors';
import { bytes as formatBytes } from '../format';
import { intOption, interruptSignal, parse, positionals, printJson, usage, warn } from '../args';
import { CliHosts } from '../connect';
import { CORE_USAGE } from '../usage';

const TOOLS = ['gcore', 'dlv', 'snapshot', 'auto'] as const;

export async function core(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('core', args, {
    pid: { type: 'string' }, tool: { type: 'string' }, output: { type: 'string', short: 'o' }, 'remote-dir': { type: 'string' },
  });
  if (values.help) return usage(CORE_USAGE);
  const [destination] = positionals('core', pos, ['HOST']);
  const pid = intOption('pid', values.pid);
  if (pid === undefined) throw new AnoleError('BAD_INPUT', 'core: --pid N is required', 'list Go processes with: anole ps HOST');
  const tool = (values.tool ?? 'auto') as CoreTool;
  if (!TOOLS.includes(tool)) throw new AnoleError('BAD_INPUT', `--tool must be one of ${TOOLS.join(', ')}, not "${values.tool}"`);
  const coreFile = path.resolve(values.output ?? `core.${pid}`);
  const hosts = new CliHosts({ sshConfig: values['ssh-config'], trustHostKey: values['trust-host-key'], verbose: values.verbose });
  try {
    const host = await hosts.get(destination);
    let last = '';
    const r = await captureCoreDump(host, pid, {
      tool, coreFile, executableFile: `${coreFile}.exe`, remoteDir: values['remote-dir'], signal: interruptSignal(),
      onProgress: (phase) => {
        if (values.verbose && phase !== last) warn(`${phase}…`);
        last = phase;
      },
    });
    for (const f of r.findings) warn(`${f.message}${f.fix ? ` (${f.fix})` : ''}`);
    if (r.fallback) warn(`no snapshot: ${r.fallback}; gcore wrote the core with the process stopped instead`);
    warn(r.tool === 'snapshot'
      ? `paused process ${pid} for ${r.pauseMs} ms while gdb forked a snapshot of it (the core is the snapshot's, ${r.snapshotThreads
        ? `with the process's ${r.snapshotThreads} threads as they were before the fork` : 'with one thread: the others\' registers are not in it'})`
      : `paused process ${pid} for ${r.pauseMs} ms while ${r.tool} wrote the core`);
    if (values.json) {
      printJson(r);
      return 0;
    }
    console.log(`core dump of process ${pid} on ${host.label} (${r.tool}): ${r.core} (${formatBytes(r.coreBytes)}; ${formatBytes(r.transferBytes)} transferred)`);
    console.log(`executable: ${r.executable} (${formatBytes(r.executableBytes)})`);
    console.log(`read it: anole goroutines --core ${r.core} --exe ${r.executable}`);
    return 0;
  } finally {
    await hosts.close();
  }
}
