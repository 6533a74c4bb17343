// Records what a real Grafana Pyroscope server answers to every call PyroscopeSource makes, into
// test/fixtures/pyroscope/<version>/ (replayed byte for byte by test/unit/pyroscopeRecorded.test.ts).
//
//   bash scripts/setup-pyroscope.sh [VERSION]                # builds the server once, outside the repo
//   npx tsx scripts/record-pyroscope.ts [VERSION [BINARY]]   # default v1.13.0 and the binary setup built
//
// It starts the server on loopback (multi-tenant, filesystem storage in a temp dir, no usage
// reporting, no self-profiling), runs three hotsvc replicas (a and b spin 10% of each period, hot
// 30%), takes two 5 s CPU profiles and one heap profile of each from its pprof endpoint and pushes
// them as tenant team-a (push.v1.PusherService/Push, the raw pprof the Go runtime wrote). Then it
// puts a recording reverse proxy in front of the server and runs PyroscopeSource through it: the
// pickers, merged queries, an empty range, a wrong tenant, no tenant, a bad selector, a range over
// max_query_length, a bad type and a wrong base URL. Each exchange keeps the exact request and answer bytes (answers still compressed
// when the server compressed them) and the outcome the client made of it when it was recorded.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage } from '../src/core/errors';
import { PyroscopeSource, type SourceQuery } from '../src/core/sources';
import { binaryOf, buildFixtures, markerLine, REPO_ROOT, startService, type RunningService } from '../test/host/goServices';
import { freePort } from '../test/host/parca';

const VERSION = process.argv[2] ?? 'v1.13.0';
const TENANT = 'team-a';
const GIT_REF = '0123456789abcdef0123456789abcdef01234567';
const REPLICAS = [
  { name: 'a', duty: 10 },
  { name: 'b', duty: 10 },
  { name: 'hot', duty: 30 },
];
const OUT = path.join(REPO_ROOT, 'test', 'fixtures', 'pyroscope', VERSION);

/** One recorded request and its answer; the bodies are files next to exchanges.json. */
interface Exchange {
  /** Which client call it belongs to (a call may make several requests). */
  call: string;
  path: string;
  /** The request headers that select an answer (content type, tenant); credentials are not recorded. */
  request: { headers: Record<string, string>; body: string };
  response: { status: number; headers: Record<string, string>; body: string };
}

async function main(): Promise<void> {
  const bin = process.argv[3] ?? path.join(process.env.ANOLE_PYROSCOPE_HOME ?? path.join(os.homedir(), '.cache', 'anole-pyroscope'), `pyroscope-${VERSION}`);
  if (!fs.existsSync(bin)) throw new Error(`no Pyroscope at ${bin}: run \`bash scripts/setup-pyroscope.sh ${VERSION}\` first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-pyroscope-'));
  const [httpPort, grpcPort, memberlistPort] = [await freePort(), await freePort(), await freePort()];
  const server = spawn(
    bin,
    [
      '-target=all',
      '-auth.multitenancy-enabled=true',
      '-server.http-listen-address=127.0.0.1',
      `-server.http-listen-port=${httpPort}`,
      '-server.grpc-listen-address=127.0.0.1',
      `-server.grpc-listen-port=${grpcPort}`,
      '-memberlist.bind-addr=127.0.0.1',
      `-memberlist.bind-port=${memberlistPort}`,
      '-memberlist.advertise-addr=127.0.0.1',
      '-ring.store=inmemory',
      // Every component advertises loopback (else it picks this host's first interface address).
      ...['compactor.ring.instance-addr', 'distributor.ring.instance-addr', 'ingester.lifecycler.addr', 'overrides-exporter.ring.instance-addr', 'query-frontend.instance-addr', 'query-scheduler.ring.instance-addr', 'store-gateway.sharding-ring.instance-addr'].map((f) => `-${f}=127.0.0.1`),
      '-storage.backend=filesystem',
      `-storage.filesystem.dir=${path.join(dir, 'objects')}`,
      `-pyroscopedb.data-path=${path.join(dir, 'data')}`,
      '-usage-stats.enabled=false',
      '-self-profiling.disable-push=true',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  let log = '';
  server.stdout.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-200_000)));
  server.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-200_000)));
  const services: RunningService[] = [];
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    await waitReady(base, () => log);
    const [build] = await buildFixtures({ goVersions: ['current'], names: ['hotsvc'] });
    for (const r of REPLICAS) {
      services.push(await startService(binaryOf(build, 'hotsvc'), ['-cpu-duty', String(r.duty), '-lock=false', '-leak', '0', '-chansend=false']));
    }
    const fromMs = Date.now();
    for (let round = 0; round < 2; round++) {
      const cpu = await Promise.all(services.map((s) => get(`http://${s.addr}/debug/pprof/profile?seconds=5`)));
      await push(base, REPLICAS.map((r, i) => ({ labels: labelsOf('process_cpu', r.name), pprof: cpu[i] })));
    }
    const heap = await Promise.all(services.map((s) => get(`http://${s.addr}/debug/pprof/heap`)));
    await push(base, REPLICAS.map((r, i) => ({ labels: labelsOf('memory', r.name), pprof: heap[i] })));
    const toMs = Date.now() + 1000;
    await new Promise((r) => setTimeout(r, 3000));

    const exchanges = await record(base, { fromMs: Math.floor(fromMs / 1000) * 1000 - 5000, toMs: Math.ceil(toMs / 1000) * 1000 });
    console.log(`recorded ${exchanges} requests into ${path.relative(REPO_ROOT, OUT)}`);
  } catch (e) {
    console.error(`recording failed: ${errorMessage(e)}\n--- server log (tail) ---\n${log.slice(-4000)}`);
    process.exitCode = 1;
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function labelsOf(name: string, replica: string): Record<string, string> {
  return { __name__: name, service_name: 'hotsvc', replica, service_git_ref: GIT_REF, service_repository: 'github.com/example/hotsvc' };
}

async function waitReady(base: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${base}/ready`).then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Pyroscope was not ready within 60 s:\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function get(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** push.v1.PusherService/Push over Connect JSON, as tenant team-a. */
async function push(base: string, series: { labels: Record<string, string>; pprof: Buffer }[]): Promise<void> {
  const body = {
    series: series.map((s) => ({
      labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
      samples: [{ rawProfile: s.pprof.toString('base64') }],
    })),
  };
  const res = await fetch(`${base}/push.v1.PusherService/Push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-scope-orgid': TENANT },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`Push: HTTP ${res.status}: ${await res.text()}`);
}

/** Runs every client call through a recording proxy; writes the exchanges; returns how many. */
async function record(base: string, range: { fromMs: number; toMs: number }): Promise<number> {
  const exchanges: Exchange[] = [];
  const outcomes: { call: string; outcome: unknown }[] = [];
  let call = '';
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reqBody = Buffer.concat(chunks);
      const headers = { ...req.headers };
      delete headers.host;
      const up = http.request(`${base}${req.url ?? '/'}`, { method: req.method, headers }, (upRes) => {
        const got: Buffer[] = [];
        upRes.on('data', (c: Buffer) => got.push(c));
        upRes.on('end', () => {
          const resBody = Buffer.concat(got);
          const n = String(exchanges.length + 1).padStart(2, '0');
          const ext = (h: string | undefined) => (/json/.test(h ?? '') ? 'json' : /text/.test(h ?? '') ? 'txt' : 'bin');
          const reqType = req.headers['content-type'];
          const resType = upRes.headers['content-type'];
          const reqFile = `${n}-${call}.request.${ext(reqType)}`;
          const resFile = `${n}-${call}.response.${upRes.headers['content-encoding'] ? `${ext(resType)}.${upRes.headers['content-encoding']}` : ext(resType)}`;
          fs.writeFileSync(path.join(OUT, reqFile), reqBody);
          fs.writeFileSync(path.join(OUT, resFile), resBody);
          const keep = (h: http.IncomingHttpHeaders, names: string[]) => Object.fromEntries(names.filter((k) => h[k] !== undefined).map((k) => [k, String(h[k])]));
          exchanges.push({
            call,
            path: req.url ?? '/',
            request: { headers: keep(req.headers, ['content-type', 'connect-protocol-version', 'x-scope-orgid', 'accept-encoding']), body: reqFile },
            response: { status: upRes.statusCode ?? 0, headers: keep(upRes.headers, ['content-type', 'content-encoding', 'connect-content-encoding', 'grpc-status', 'grpc-message']), body: resFile },
          });
          const out: http.OutgoingHttpHeaders = { ...upRes.headers };
          delete out['transfer-encoding'];
          out['content-length'] = resBody.length;
          res.writeHead(upRes.statusCode ?? 502, out).end(resBody);
        });
      });
      up.on('error', (e) => res.writeHead(502).end(String(e)));
      up.end(reqBody);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  const source = (tenant: string | undefined, at = url) => new PyroscopeSource({ url: at, tenant });
  const run = async (name: string, f: () => Promise<unknown>): Promise<void> => {
    call = name;
    try {
      const r = await f();
      const summary = r && typeof r === 'object' && 'pprof' in r ? { ...r, pprof: `${(r as { pprof: Uint8Array }).pprof.length} bytes` } : r;
      outcomes.push({ call: name, outcome: { ok: summary } });
    } catch (e) {
      outcomes.push({ call: name, outcome: { error: errorMessage(e) } });
    }
  };
  try {
    const team = source(TENANT);
    let cpu = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
    await run('profile-types', async () => {
      const types = await team.profileTypes(undefined, range);
      cpu = types.find((t) => t.id.startsWith('process_cpu:cpu:'))?.id ?? cpu;
      return types;
    });
    const q = (selector: string, r = range): SourceQuery => ({ type: cpu, selector, range: r });
    // What the pickers ask first: no range, no type.
    await run('profile-types-no-range', () => team.profileTypes());
    await run('label-names-no-type', () => team.labelNames({ range }));
    await run('label-names', () => team.labelNames({ type: cpu, selector: '{service_name="hotsvc"}', range }));
    await run('label-values', () => team.labelValues('replica', { type: cpu, selector: '{service_name="hotsvc"}', range }));
    await run('series', () => team.series(q('{service_name="hotsvc"}')));
    await run('query-merged', () => team.query(q('{service_name="hotsvc"}')));
    for (const r of REPLICAS) await run(`query-replica-${r.name}`, () => team.query(q(`{service_name="hotsvc",replica="${r.name}"}`)));
    // From here on each call has a source of its own, so it starts with SelectMergeStacktraces.
    await run('query-empty-range', () => source(TENANT).query(q('{service_name="hotsvc"}', { fromMs: range.fromMs - 3 * 3600_000, toMs: range.fromMs - 2 * 3600_000 })));
    await run('query-wrong-tenant', () => source('team-b').query(q('{service_name="hotsvc"}')));
    await run('query-no-tenant', () => source(undefined).query(q('{service_name="hotsvc"}')));
    await run('query-bad-selector', () => source(TENANT).query(q('{service_name=}')));
    await run('query-too-long', () => source(TENANT).query(q('{service_name="hotsvc"}', { fromMs: range.toMs - 2 * 86_400_000, toMs: range.toMs })));
    await run('query-bad-type', () => source(TENANT).query({ ...q('{service_name="hotsvc"}'), type: 'no-such-type' }));
    await run('query-wrong-path', () => source(TENANT, `${url}/grafana`).query(q('{service_name="hotsvc"}')));
  } finally {
    await new Promise<void>((r) => proxy.close(() => r()));
  }
  fs.writeFileSync(
    path.join(OUT, 'exchanges.json'),
    `${JSON.stringify({ server: `Grafana Pyroscope ${VERSION}`, tenant: TENANT, gitRef: GIT_REF, range, replicas: REPLICAS, hotLine: { file: 'hotsvc/problems.go', line: markerLine('hotsvc/problems.go', 'hot') }, exchanges, outcomes }, null, 2)}\n`,
  );
  return exchanges.length;
}

main().catch((e: unknown) => {
  console.error(`recording failed: ${errorMessage(e)}`);
  process.exitCode = 1;
});
