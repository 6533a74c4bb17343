// Test backend: a real Parca server (v0.28.0, built by scripts/setup-parca.sh and cached outside the
// repo) on 127.0.0.1 with in-memory profiles and filesystem object storage in a temp dir, scraping
// the fixture services' pprof endpoints itself.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ParcaSource } from '../../src/core/sources';

const START_DEADLINE_MS = 30_000;

/** A service Parca scrapes: its host:port and the labels to give its series. */
export interface ScrapeTarget {
  job: string;
  addr: string;
  labels?: Record<string, string>;
}

/** A running Parca. */
export interface TestParca {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The server's process id (a test may SIGSTOP it to play a hung server). */
  pid: number;
  dir: string;
  log(): string;
  /** Stops it (SIGTERM, then SIGKILL after 5 s); idempotent. Keeps the temp dir for `start`. */
  stop(): Promise<void>;
  /** Removes the temp dir (after stop). */
  cleanup(): void;
}

/** Where scripts/setup-parca.sh caches the Parca binary (it prints the same path). */
export const PARCA_BINARY = path.join(process.env.ANOLE_PARCA_HOME ?? path.join(os.homedir(), '.cache', 'anole-parca'), 'parca-v0.28.0');

/**
 * The cached Parca binary. The tests do not build it (15-20 min on 2 cores): without it they fail
 * and say how to get it, never skip.
 */
export function parcaBinary(): string {
  try {
    fs.accessSync(PARCA_BINARY, fs.constants.X_OK);
  } catch {
    throw new Error(`the backend tests need Parca v0.28.0 at ${PARCA_BINARY}, and it is not there: run \`bash scripts/setup-parca.sh\` once (15-20 min on 2 cores, from the Go module proxy)`);
  }
  return PARCA_BINARY;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The parca.yaml scraping `targets` every `intervalS` seconds. */
export function parcaConfig(dir: string, targets: ScrapeTarget[], intervalS: number): string {
  const jobs = new Map<string, ScrapeTarget[]>();
  for (const t of targets) jobs.set(t.job, [...(jobs.get(t.job) ?? []), t]);
  const lines = ['object_storage:', '  bucket:', '    type: "FILESYSTEM"', '    config:', `      directory: ${JSON.stringify(path.join(dir, 'objects'))}`, 'scrape_configs:'];
  for (const [job, ts] of jobs) {
    lines.push(`  - job_name: ${JSON.stringify(job)}`, `    scrape_interval: "${intervalS}s"`, '    static_configs:');
    for (const t of ts) {
      lines.push(`      - targets: [${JSON.stringify(t.addr)}]`);
      if (t.labels && Object.keys(t.labels).length) {
        lines.push('        labels:');
        for (const [k, v] of Object.entries(t.labels)) lines.push(`          ${k}: ${JSON.stringify(v)}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** Starts Parca on a free loopback port and resolves once its HTTP port answers. */
export async function startParca(binary: string, targets: ScrapeTarget[], opts: { intervalS?: number; dir?: string; port?: number } = {}): Promise<TestParca> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'anole-parca-'));
  const port = opts.port ?? (await freePort());
  const config = path.join(dir, 'parca.yaml');
  fs.writeFileSync(config, parcaConfig(dir, targets, opts.intervalS ?? 4));
  const args = [`--config-path=${config}`, `--http-address=127.0.0.1:${port}`, '--debuginfod-upstream-servers=', `--storage-path=${path.join(dir, 'data')}`, '--log-level=warn'];
  const child: ChildProcess = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (d: Buffer) => {
    log = (log + d.toString()).slice(-65536);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_DEADLINE_MS;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    if (exitedEarly) throw new Error(`parca exited before it was ready; its log:\n${log}`);
    try {
      const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`parca did not answer on ${url} within ${START_DEADLINE_MS / 1000} s; its log:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, pid: child.pid!, dir, log: () => log, stop, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Waits until Parca has CPU data for `series` series of `selector`, at least `minAgeMs` after `t0`
 * (several scrapes each); returns the CPU profile type's id. Fails with Parca's log after 120 s.
 */
export async function waitForCpuSeries(parca: TestParca, selector: string, series: number, t0: number, minAgeMs = 30_000): Promise<string> {
  const source = new ParcaSource({ url: parca.url });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const types = await source.profileTypes().catch(() => []);
    const cpu = types.find((t) => t.id.startsWith('process_cpu:cpu:nanoseconds:')) ?? types.find((t) => t.kind === 'cpu');
    if (cpu) {
      const now = Date.now();
      const got = await source.series({ type: cpu.id, selector, range: { fromMs: t0, toMs: now } }).catch(() => []);
      if (got.length === series && now - t0 > minAgeMs && got.every((s) => s.total > 0)) return cpu.id;
    }
    if (Date.now() > deadline) throw new Error(`Parca had no CPU data for ${series} series of ${selector} within 120 s; its log:\n${parca.log()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
