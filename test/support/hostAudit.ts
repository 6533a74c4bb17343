// What Anole left reachable on the test host: listening sockets of the processes under our sshd, Anole's temp entries, and a probe as another uid.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A socket some process listens on. */
export interface ListeningSocket {
  pid: number;
  comm: string;
  kind: 'tcp' | 'tcp6' | 'unix';
  /** "127.0.0.1:40123", "[::1]:5" or the Unix socket's path ("@name" for an abstract one, "" unnamed). */
  address: string;
  /** TCP port (tcp/tcp6). */
  port?: number;
}

/** A file or directory Anole made in a temp folder on the host. */
export interface TempEntry {
  path: string;
  uid: number;
  /** Permission bits, e.g. 0o700. */
  mode: number;
  isDirectory: boolean;
  isSymlink: boolean;
}

/** The uid/gid the "other user" probe runs as (nobody). */
export const OTHER_UID = 65534;

function parents(): Map<number, number> {
  const parent = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') parent.set(Number(d), Number(ppid));
    } catch {
      // gone
    }
  }
  return parent;
}

/** Live descendants of any of `roots` (the roots included). */
export function processTree(roots: readonly number[]): number[] {
  const parent = parents();
  const want = new Set(roots);
  const out: number[] = [];
  for (const p of parent.keys()) {
    for (let q: number | undefined = p; q !== undefined && q > 1; q = parent.get(q)) {
      if (want.has(q)) { out.push(p); break; }
    }
  }
  return out;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  let fds: string[] = [];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

function tcpAddress(hex: string, v6: boolean): { address: string; port: number } {
  const [ip, port] = hex.split(':');
  const p = parseInt(port, 16);
  if (!v6) {
    const b = Buffer.from(ip, 'hex').reverse();
    return { address: `${[...b].join('.')}:${p}`, port: p };
  }
  const words = ip.match(/.{8}/g)!.map((w) => Buffer.from(w, 'hex').reverse().toString('hex'));
  return { address: `[${words.join('').match(/.{4}/g)!.join(':')}]:${p}`, port: p };
}

/** Listening TCP (v4/v6) and Unix sockets held open by `pids`, read from /proc. */
export function listeningSockets(pids: readonly number[]): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const pid of pids) {
    const inodes = socketInodes(pid);
    if (!inodes.size) continue;
    const comm = readOr(`/proc/${pid}/comm`).trim();
    // Each process's own network namespace view (the same as the host's here).
    for (const kind of ['tcp', 'tcp6'] as const) {
      for (const line of readOr(`/proc/${pid}/net/${kind}`).split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9])) continue; // 0A: LISTEN
        out.push({ pid, comm, kind, ...tcpAddress(f[1], kind === 'tcp6') });
      }
    }
    for (const line of readOr(`/proc/${pid}/net/unix`).split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 7 || !inodes.has(f[6])) continue;
      if ((parseInt(f[3], 16) & 0x10000) === 0) continue; // __SO_ACCEPTCON: listening
      out.push({ pid, comm, kind: 'unix', address: f[7] ?? '' });
    }
  }
  return out;
}

/** Entries named like Anole's host-side temp dirs (`anole-dlv.*`, `anole-gdb.*`, `anole-core.*`) in `tmpdir`, and everything inside them. */
export function anoleTempEntries(tmpdir: string): TempEntry[] {
  const out: TempEntry[] = [];
  const visit = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    out.push({ path: p, uid: st.uid, mode: st.mode & 0o7777, isDirectory: st.isDirectory(), isSymlink: st.isSymbolicLink() });
    if (st.isDirectory()) for (const n of readdirOr(p)) visit(path.join(p, n));
  };
  for (const n of readdirOr(tmpdir)) if (/^anole-[a-z]+\./.test(n)) visit(path.join(tmpdir, n));
  return out;
}

function readdirOr(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The outcome of one connection attempt by the other uid. */
export interface ProbeResult {
  address: string;
  /** "connected", or the error code (EACCES, ECONNREFUSED, ...). */
  outcome: string;
}

const PROBE = `
const net = require('net');
const targets = JSON.parse(process.argv[1]);
Promise.all(targets.map((t) => new Promise((resolve) => {
  const s = t.kind === 'unix' ? net.connect({ path: t.address }) : net.connect({ host: t.host, port: t.port });
  const done = (outcome) => { s.destroy(); resolve({ address: t.address, outcome }); };
  s.once('connect', () => done('connected'));
  s.once('error', (e) => done(e.code || e.message));
  s.setTimeout(5000, () => done('timeout'));
}))).then((r) => process.stdout.write(JSON.stringify(r)));
`;

/**
 * Tries to connect to each socket as uid/gid {@link OTHER_UID} with no supplementary groups
 * (`setpriv`), the way another local user of the host would.
 */
export function probeAsOtherUser(sockets: readonly ListeningSocket[]): Promise<ProbeResult[]> {
  const targets = sockets.map((s) => s.kind === 'unix'
    ? { kind: 'unix', address: s.address }
    : { kind: s.kind, address: s.address, port: s.port, host: s.kind === 'tcp6' ? '::1' : s.address.split(':')[0] === '0.0.0.0' ? '127.0.0.1' : s.address.split(':')[0] });
  return new Promise((resolve, reject) => {
    execFile('setpriv', [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, '--clear-groups', process.execPath, '-e', PROBE, JSON.stringify(targets)],
      { timeout: 20_000 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`the probe as uid ${OTHER_UID} failed: ${err.message} ${stderr}`));
        resolve(JSON.parse(stdout) as ProbeResult[]);
      });
  });
}

/** Whether uid {@link OTHER_UID} can open `file` for reading (or list it, for a directory). */
export function readableByOtherUser(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('setpriv', [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, '--clear-groups', 'test', '-r', file], (err) => resolve(!err));
  });
}
