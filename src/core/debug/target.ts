// Resolves which process to attach to: a PID as given, or the one Go process with a given executable name.
import { listGoProcesses } from '../discovery/processes';
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';

/** The PID from `processId` (number or numeric string), else the single Go process named `processName`. */
export async function resolveProcessId(host: RemoteHost, processId?: number | string, processName?: string): Promise<number> {
  if (processId !== undefined && processId !== '') {
    const pid = typeof processId === 'number' ? processId : Number(String(processId).trim());
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new AnoleError('BAD_INPUT', `processId ${JSON.stringify(processId)} is not a PID`);
    return pid;
  }
  if (!processName) throw new AnoleError('BAD_INPUT', 'the attach configuration needs "processId" or "processName"');
  const procs = await listGoProcesses(host, { probePprof: false });
  const base = (p: string) => p.replace(/ \(deleted\)$/, '').split('/').pop() ?? p;
  const hits = procs.filter((p) => base(p.exe) === processName || base(p.cmdline[0] ?? '') === processName);
  if (hits.length === 1) return hits[0].pid;
  if (hits.length === 0) throw new AnoleError('NOT_FOUND', `no Go process named ${processName} on ${host.label}`);
  throw new AnoleError('BAD_INPUT', `${hits.length} Go processes are named ${processName} on ${host.label} (PIDs ${hits.map((p) => p.pid).join(', ')}): set processId`);
}
