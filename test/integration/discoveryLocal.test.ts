// Discovery end to end on this machine through LocalHost: real fixture services, both Go versions, hostile names.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnoleError } from '../../src/core/errors';
import { listGoProcesses, type GoProcess } from '../../src/core/discovery/processes';
import { findPprofUrl, probePprof } from '../../src/core/discovery/pprofProbe';
import { binaryOf, buildFixtures, startService, type FixtureBuild, type RunningService } from '../host/goServices';
import { LocalHost } from '../support/localHost';

describe('discovery on this machine (LocalHost)', function () {
  let builds: FixtureBuild[];
  let host: LocalHost;
  let tmp: string;
  const services: RunningService[] = [];
  let hot26: RunningService; // 127.0.0.1, plus a non-pprof listener on [::1]
  let hot19: RunningService; // 0.0.0.0
  let plain: RunningService; // nopprof, 127.0.0.1
  let hostile: RunningService; // hotsvc copied to a hostile path, [::], hostile argv
  let hostileArgs: string[];
  let found: GoProcess[];

  const byPid = (pid: number): GoProcess => {
    const p = found.find((g) => g.pid === pid);
    assert.ok(p, `pid ${pid} not listed`);
    return p;
  };

  before(async function () {
    this.timeout(600_000);
    builds = await buildFixtures({ names: ['hotsvc', 'nopprof'] });
    const [b26, b19] = [builds.find((b) => b.toolchain.id === 'current')!, builds.find((b) => b.toolchain.id === 'go1.19')!];
    host = new LocalHost();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-discovery-'));

    const quiet = ['-cpu=false', '-lock=false', '-leak', '2'];
    const start = async (bin: string, args: string[]): Promise<RunningService> => {
      const s = await startService(bin, args);
      services.push(s);
      return s;
    };
    hot26 = await start(binaryOf(b26, 'hotsvc'), ['-addr', '127.0.0.1:0', '-extra-addr', '[::1]:0', ...quiet]);
    hot19 = await start(binaryOf(b19, 'hotsvc'), ['-addr', '0.0.0.0:0', ...quiet]);
    plain = await start(binaryOf(b26, 'nopprof'), ['-addr', '127.0.0.1:0']);

    // A directory and a binary name a shell would love to run, and argv to match.
    const dir = path.join(tmp, "dir with 'sq' \"dq\" ;$(touch pwned-dir) `touch pwned-bt`\n@stat\nP 1 0\nE x");
    fs.mkdirSync(dir);
    const bin = path.join(dir, 'svc;$(id)|&');
    fs.copyFileSync(binaryOf(b19, 'hotsvc'), bin);
    fs.chmodSync(bin, 0o755);
    hostileArgs = ['line1\nline2', `$(touch ${tmp}/pwned-arg)`, `\`touch ${tmp}/pwned-bt\``, "'; touch pwned-q; '", '"', '', 'ü 日本'];
    hostile = await start(bin, ['-addr', '[::]:0', ...quiet, '--', ...hostileArgs]);

    found = await listGoProcesses(host);
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await host?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('lists each fixture with the Go version it was built with', () => {
    for (const s of [hot26, hot19, plain, hostile]) {
      const p = byPid(s.pid);
      assert.equal(p.goVersion, s.goVersion);
      assert.equal(p.modulePath, 'anole.test/fixtures');
    }
    assert.equal(byPid(hot26.pid).goVersion, builds[0].toolchain.version);
    assert.equal(byPid(hot19.pid).goVersion, builds[1].toolchain.version);
    assert.equal(byPid(plain.pid).mainPath, 'anole.test/fixtures/nopprof');
  });

  it('reports listen addresses and the pprof URL (null for the service without pprof)', () => {
    const h26 = byPid(hot26.pid);
    assert.deepEqual([...h26.listen].sort(), [hot26.addr, hot26.info.EXTRA].sort());
    assert.equal(h26.pprof, `http://${hot26.addr}/debug/pprof/`);

    const port19 = hot19.addr.split(':').pop();
    assert.deepEqual(byPid(hot19.pid).listen, [`0.0.0.0:${port19}`]);
    assert.equal(byPid(hot19.pid).pprof, `http://127.0.0.1:${port19}/debug/pprof/`);

    assert.deepEqual(byPid(plain.pid).listen, [plain.addr]);
    assert.equal(byPid(plain.pid).pprof, null);

    const portH = hostile.addr.split(':').pop();
    assert.deepEqual(byPid(hostile.pid).listen, [`[::]:${portH}`]);
    assert.equal(byPid(hostile.pid).pprof, `http://[::1]:${portH}/debug/pprof/`);
  });

  it('keeps a hostile path and argv exact, and runs none of it', () => {
    const p = byPid(hostile.pid);
    assert.equal(p.exe, hostile.binary);
    assert.deepEqual(p.cmdline, hostile.argv);
    assert.ok(p.cmdline.includes('line1\nline2'));
    for (const f of [path.join(tmp, 'pwned-arg'), path.join(tmp, 'pwned-bt'), 'pwned-dir', 'pwned-bt', 'pwned-q', '/pwned-dir', '/pwned-q']) {
      assert.equal(fs.existsSync(f), false, `${f} was created: something ran a shell over our data`);
    }
  });

  it('reports the owner', () => {
    const p = byPid(hot26.pid);
    assert.equal(p.uid, process.getuid!());
    assert.equal(p.user, os.userInfo().username);
  });

  it('takes one remote command; reads each distinct binary once; a cache skips the reads', async () => {
    const h = new LocalHost();
    try {
      const cache = new Map();
      const pids = [hot26.pid, hot19.pid, plain.pid];
      const first = await listGoProcesses(h, { pids, probePprof: false, buildInfoCache: cache });
      assert.deepEqual(first.map((p) => p.pid), [...pids].sort((a, b) => a - b));
      assert.ok(first.every((p) => p.pprof === null));
      assert.equal(h.stats.exec, 1);
      assert.ok(h.stats.readRange <= 3 * 3, `${h.stats.readRange} reads for 3 binaries`);
      const reads = h.stats.readRange;
      await listGoProcesses(h, { pids, probePprof: false, buildInfoCache: cache });
      assert.equal(h.stats.exec, 2);
      assert.equal(h.stats.readRange, reads);
    } finally {
      await h.close();
    }
  });

  it('skips pids that do not exist or are not Go', async () => {
    const list = await listGoProcesses(host, { pids: [process.pid, 2 ** 22 + 12345, plain.pid], probePprof: false });
    assert.deepEqual(list.map((p) => p.pid), [plain.pid]);
  });

  it('findPprofUrl: the URL, null without pprof, NOT_FOUND for a missing process', async () => {
    assert.equal(await findPprofUrl(host, hot26.pid), hot26.pprofUrl);
    assert.equal(await findPprofUrl(host, plain.pid), null);
    await assert.rejects(findPprofUrl(host, 2 ** 22 + 12345), (e: unknown) => e instanceof AnoleError && e.code === 'NOT_FOUND');
  });

  it('probePprof: false for a closed port and a non-HTTP listener, never throws', async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const t0 = Date.now();
      assert.equal(await probePprof(host, { host: '127.0.0.1', port }, { timeoutMs: 300 }), false);
      assert.ok(Date.now() - t0 < 2000);
      silent.close();
      assert.equal(await probePprof(host, { host: '127.0.0.1', port }, { timeoutMs: 300 }), false);
    } finally {
      silent.close();
    }
  });

  it('a stopped service disappears from the list', async () => {
    const s = await startService(binaryOf(builds[0], 'nopprof'), ['-addr', '127.0.0.1:0']);
    services.push(s);
    assert.equal((await listGoProcesses(host, { pids: [s.pid] })).length, 1);
    await s.stop();
    assert.equal((await listGoProcesses(host, { pids: [s.pid] })).length, 0);
  });
});

describe('LocalHost', () => {
  it('passes argv through sh -c with exact quoting', async () => {
    const h = new LocalHost();
    try {
      const args = ["a'b", '$(id)', '`id`', 'x\ny', ' ', '*', ';'];
      const r = await h.exec(['printf', '%s\\0', ...args]);
      assert.equal(r.code, 0);
      assert.deepEqual(r.stdout.toString().split('\0').slice(0, -1), args);
      assert.equal((await h.exec(['sh', '-c', 'exit 3'])).code, 3);
      await assert.rejects(h.exec(['sleep', '5'], { timeoutMs: 100 }), (e: unknown) => e instanceof AnoleError && e.code === 'TIMEOUT');
    } finally {
      await h.close();
    }
  });
});
