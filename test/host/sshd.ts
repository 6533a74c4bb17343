// Test host: a real OpenSSH sshd on 127.0.0.1 with generated keys, known_hosts and an ssh config.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const SSHD = '/usr/sbin/sshd';
const START_DEADLINE_MS = 15_000;

/** A running sshd and the files a test needs to reach it. */
export interface TestSshd {
  port: number;
  /** Temp dir holding keys, configs and the sshd log (removed by stop()). */
  dir: string;
  /** ssh config with `alias` and `jumpAlias` (and `jump2Alias`) for this sshd. */
  configFile: string;
  /** known_hosts with this sshd's host keys for [127.0.0.1]:port. */
  knownHostsFile: string;
  /** Unencrypted ed25519 client key, in authorized_keys. */
  clientKey: string;
  /** Passphrase-protected ed25519 client key, in authorized_keys. */
  encryptedClientKey: string;
  passphrase: string;
  /** An ed25519 key that is NOT in authorized_keys. */
  strangerKey: string;
  /** Host public key files (`.pub`), ed25519 and rsa. */
  hostKeys: { ed25519: string; rsa: string };
  user: string;
  /** `Host anole-test`: this sshd directly. */
  alias: string;
  /** `Host anole-jump`: this sshd through ProxyJump anole-test (one hop). */
  jumpAlias: string;
  /** `Host anole-jump2`: this sshd through ProxyJump anole-jump (two hops). */
  jump2Alias: string;
  /** The sshd log (LogLevel VERBOSE), useful when a test fails. */
  log(): string;
  /** How many logins sshd accepted so far (counted in its log). */
  logins(): number;
  /** PIDs of sshd's per-connection children. */
  connectionPids(): number[];
  /**
   * Sends `signal` to every per-connection process tree (sshd children, their shells and
   * commands): SIGKILL simulates a dropped connection, SIGSTOP a dead peer. Returns the count.
   */
  signalConnections(signal: NodeJS.Signals): number;
  /** Kills sshd and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options for startSshd. */
export interface StartSshdOptions {
  /** Extra sshd_config lines. */
  extraConfig?: string[];
  /** The sshd binary (default /usr/sbin/sshd). */
  sshdPath?: string;
}

const running = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      if (child.pid) killTree(child.pid, 'SIGKILL');
    }
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
}

function keygen(args: string[]): void {
  execFileSync('ssh-keygen', ['-q', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** One attempt: connects and resolves with the banner line, rejects on refusal or close. */
function readBanner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        sock.destroy();
        resolve(buf.slice(0, nl).trim());
      }
    });
    sock.on('error', (e) => { sock.destroy(); reject(e); });
    sock.on('close', () => reject(new Error('closed before banner')));
  });
}

/**
 * Waits until sshd accepts on `port` and sends its SSH banner. Retries are driven by changes of
 * the log file sshd writes (it logs "Server listening" once bound); rejects when sshd exits or the
 * deadline passes.
 */
async function waitReady(child: ChildProcess, port: number, logFile: string, dir: string): Promise<void> {
  let exited: string | undefined;
  const onExit = (code: number | null, sig: string | null) => { exited = `sshd exited (code ${code}, signal ${sig})`; wake(); };
  child.once('exit', onExit);
  let wake: () => void = () => undefined;
  const watcher = fs.watch(dir, () => wake());
  const deadline = Date.now() + START_DEADLINE_MS;
  try {
    for (;;) {
      if (exited) throw new Error(`${exited}; log:\n${readLog(logFile)}`);
      try {
        const banner = await readBanner(port);
        if (banner.startsWith('SSH-2.0-')) return;
        throw new Error(`unexpected banner on port ${port}: ${banner}`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw e;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`sshd did not start listening on 127.0.0.1:${port} within ${START_DEADLINE_MS} ms; log:\n${readLog(logFile)}`);
      // Wake on the next write to the log (or sshd's exit); re-check at least every 200 ms.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(200, left));
        wake = () => { clearTimeout(t); resolve(); };
      });
    }
  } finally {
    watcher.close();
    child.off('exit', onExit);
  }
}

function readLog(file: string): string {
  try { return fs.readFileSync(file, 'utf8'); } catch { return '(no log)'; }
}

function hostKeyLine(port: number, pubFile: string): string {
  const [type, b64] = fs.readFileSync(pubFile, 'utf8').trim().split(/\s+/);
  return `[127.0.0.1]:${port} ${type} ${b64}\n`;
}

/**
 * Starts a private sshd on 127.0.0.1 (free port) in a new temp dir, with host keys, client keys,
 * authorized_keys, known_hosts and an ssh config. Throws if OpenSSH's sshd is not installed.
 */
export async function startSshd(opts: StartSshdOptions = {}): Promise<TestSshd> {
  const sshdPath = opts.sshdPath ?? SSHD;
  if (!fs.existsSync(sshdPath)) {
    throw new Error(`${sshdPath} not found: run \`bash scripts/setup.sh\` to install the OpenSSH server`);
  }
  installExitHook();
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-sshd-'));
  dirs.add(dir);
  let child: ChildProcess | undefined;
  const cleanup = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const c = child;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      // sshd leaves per-connection children running when the listener is stopped: end them first.
      const tree = treePids(c.pid!);
      killTree(c.pid!, 'SIGKILL');
      await exited;
      await waitGone(tree, 5_000);
    }
    if (child) running.delete(child);
    fs.rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  try {
    const p = (name: string) => path.join(dir, name);
    keygen(['-t', 'ed25519', '-N', '', '-C', 'anole-host', '-f', p('host_ed25519')]);
    keygen(['-t', 'rsa', '-b', '2048', '-N', '', '-C', 'anole-host', '-f', p('host_rsa')]);
    keygen(['-t', 'ed25519', '-N', '', '-C', 'anole-client', '-f', p('client_ed25519')]);
    const passphrase = 'correct horse battery staple';
    keygen(['-t', 'ed25519', '-N', passphrase, '-C', 'anole-client-enc', '-f', p('client_encrypted')]);
    keygen(['-t', 'ed25519', '-N', '', '-C', 'anole-stranger', '-f', p('stranger_ed25519')]);
    fs.writeFileSync(p('authorized_keys'),
      fs.readFileSync(p('client_ed25519.pub'), 'utf8') + fs.readFileSync(p('client_encrypted.pub'), 'utf8'));
    for (const k of ['client_ed25519', 'client_encrypted', 'stranger_ed25519']) fs.chmodSync(p(k), 0o600);

    const port = await freePort();
    const user = os.userInfo().username;
    const sftpServer = ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server'].find((f) => fs.existsSync(f));
    fs.writeFileSync(p('sshd_config'), [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${p('host_ed25519')}`,
      `HostKey ${p('host_rsa')}`,
      `PidFile ${p('sshd.pid')}`,
      `AuthorizedKeysFile ${p('authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'StrictModes no',
      'UsePAM no',
      'AllowTcpForwarding yes',
      'MaxStartups 100',
      'LogLevel VERBOSE',
      `Subsystem sftp ${sftpServer ?? 'internal-sftp'}`,
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n'));

    const knownHostsFile = p('known_hosts');
    fs.writeFileSync(knownHostsFile, hostKeyLine(port, p('host_ed25519.pub')) + hostKeyLine(port, p('host_rsa.pub')));
    const common = [
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      `  User ${user}`,
      `  IdentityFile ${p('client_ed25519')}`,
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      `  UserKnownHostsFile ${knownHostsFile}`,
      '  GlobalKnownHostsFile none',
      '  StrictHostKeyChecking yes',
      '  ConnectTimeout 10',
    ];
    const configFile = p('ssh_config');
    fs.writeFileSync(configFile, [
      'Host anole-test', ...common, '',
      'Host anole-jump', ...common, '  ProxyJump anole-test', '',
      'Host anole-jump2', ...common, '  ProxyJump anole-jump', '',
    ].join('\n'));

    const logFile = p('sshd.log');
    fs.writeFileSync(logFile, '');
    child = spawn(sshdPath, ['-D', '-e', '-f', p('sshd_config'), '-E', logFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    child.stderr?.on('data', (d: Buffer) => fs.appendFileSync(logFile, d));
    await new Promise<void>((resolve, reject) => {
      child!.once('spawn', resolve);
      child!.once('error', reject);
    });
    await waitReady(child, port, logFile, dir);

    const sshdPid = child.pid!;
    let stopped: Promise<void> | undefined;
    return {
      port, dir, configFile, knownHostsFile, passphrase, user,
      clientKey: p('client_ed25519'),
      encryptedClientKey: p('client_encrypted'),
      strangerKey: p('stranger_ed25519'),
      hostKeys: { ed25519: p('host_ed25519.pub'), rsa: p('host_rsa.pub') },
      alias: 'anole-test',
      jumpAlias: 'anole-jump',
      jump2Alias: 'anole-jump2',
      log: () => readLog(logFile),
      logins: () => readLog(logFile).split('\n').filter((l) => l.includes('Accepted publickey')).length,
      connectionPids: () => childPids(sshdPid),
      signalConnections: (signal) => {
        const conns = childPids(sshdPid);
        for (const pid of conns) killTree(pid, signal);
        return conns.length;
      },
      stop: () => (stopped ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Signals `pid` and all its descendants (children first, by pid). */
function killTree(pid: number, signal: NodeJS.Signals): void {
  for (const c of childPids(pid)) killTree(c, signal);
  try { process.kill(pid, signal); } catch { /* already gone */ }
}

/** `pid` and all its live descendants. */
function treePids(pid: number): number[] {
  return [pid, ...childPids(pid).flatMap(treePids)];
}

function isLive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves once none of `pids` is a live process (SIGKILLed processes take a moment to go), or after `ms`. */
async function waitGone(pids: number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (pids.some(isLive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/** Live (non-zombie) direct children of `pid`, read from /proc (Linux). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') out.push(Number(name));
    } catch { /* process went away */ }
  }
  return out;
}
