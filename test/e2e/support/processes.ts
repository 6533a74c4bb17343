// Finds code-server's extension host and Anole's language server in /proc, and reads their memory.
import * as fs from 'node:fs';

/** Memory of one process, MB. */
export interface ProcessMemory {
  rssMB: number;
  /** Peak RSS so far (VmHWM). */
  hwmMB: number;
}

/** VmRSS and VmHWM of a process, from /proc/<pid>/status. */
export function processMemory(pid: number): ProcessMemory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
}

/** Pid and command line of every live descendant of `root`. */
export function descendants(root: number): { pid: number; cmd: string }[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The ppid is the second field after the ")" that closes the command name.
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: { pid: number; cmd: string }[] = [];
  const walk = (pid: number): void => {
    for (const c of children.get(pid) ?? []) {
      try {
        out.push({ pid: c, cmd: fs.readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').join(' ') });
      } catch {
        continue;
      }
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** The one descendant of `root` whose command line matches `re`; throws listing them all otherwise. */
export function findDescendant(root: number, re: RegExp, what: string): number {
  const all = descendants(root);
  const hits = all.filter((p) => re.test(p.cmd));
  if (hits.length !== 1) {
    throw new Error(`expected one ${what} under pid ${root}, found ${hits.length}:\n${all.map((p) => `${p.pid} ${p.cmd}`).join('\n')}`);
  }
  return hits[0].pid;
}

/** code-server's extension host (a `--type=extensionHost` node process under code-server). */
export function extensionHostPid(codeServerPid: number): number {
  return findDescendant(codeServerPid, /--type=extensionHost/, 'extension host');
}

/** Anole's language server (dist/server.js, started by the extension host). */
export function anoleServerPid(extHostPid: number): number {
  return findDescendant(extHostPid, /dist\/server\.js/, 'Anole language server');
}
