// Capture over a real SSH tunnel: cancellation, timeout and HTTP errors lose nothing and say why.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { capture } from '../../src/core/capture/capture';
import { AnoleError } from '../../src/core/errors';
import { SshHost } from '../../src/core/ssh/sshHost';
import { binaryOf, buildFixtures, startService, type RunningService } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';

function isAnole(code: string, re?: RegExp) {
  return (e: unknown) => e instanceof AnoleError && e.code === code && (!re || re.test(e.oneLine));
}

describe('capture through an SSH tunnel', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let svc: RunningService;
  let host: SshHost;
  let dir: string;
  let out: string;

  before(async () => {
    const [s, [build]] = await Promise.all([startSshd(), buildFixtures({ goVersions: ['current'], names: ['hotsvc'] })]);
    sshd = s;
    svc = await startService(binaryOf(build, 'hotsvc'), ['-cpu-duty', '20']);
    host = await SshHost.connect(sshd.alias, { resolve: { configFile: sshd.configFile } });
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-capture-'));
    out = path.join(dir, 'cpu.pb.gz');
    fs.writeFileSync(out, 'the previous capture');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  after(async () => {
    await host?.close();
    await svc?.stop();
    await sshd?.stop();
  });

  /** The previous file is intact and no partial download is left beside it. */
  function nothingLost(): void {
    assert.equal(fs.readFileSync(out, 'utf8'), 'the previous capture');
    assert.deepEqual(fs.readdirSync(dir), ['cpu.pb.gz']);
  }

  it('cancels a CPU capture aborted while the tunnel opens', async () => {
    const ac = new AbortController();
    const p = capture(host, { kind: 'cpu', seconds: 10, url: svc.pprofUrl!, outFile: out, signal: ac.signal });
    setImmediate(() => ac.abort());
    await assert.rejects(p, isAnole('CANCELLED'));
    nothingLost();
  });

  it('cancels a CPU capture aborted while the server profiles', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = capture(host, { kind: 'cpu', seconds: 10, url: svc.pprofUrl!, outFile: out, signal: ac.signal });
    // Abort once the request is in flight: the partial file exists while the server profiles.
    const partialSeen = new Promise<void>((resolve) => {
      const check = () => (fs.readdirSync(dir).some((f) => f.endsWith('.partial')) ? resolve() : setTimeout(check, 20));
      check();
    });
    await partialSeen;
    ac.abort();
    await assert.rejects(p, isAnole('CANCELLED'));
    assert.ok(Date.now() - t0 < 8_000, 'cancelled long before the 10 s profile ended');
    nothingLost();
  });

  it('gives up with TIMEOUT when the answer does not come in time', async () => {
    await assert.rejects(
      capture(host, { kind: 'cpu', seconds: 2, graceMs: -1_500, url: svc.pprofUrl!, outFile: out }),
      isAnole('TIMEOUT', /no complete answer/),
    );
    nothingLost();
  });

  it('reports an HTTP error with the server\'s words and a hint', async () => {
    const wrong = svc.pprofUrl!.replace('/debug/pprof/', '/admin/');
    await assert.rejects(
      capture(host, { kind: 'heap', url: wrong, outFile: out }),
      isAnole('PPROF', /HTTP 404.*check the URL/),
    );
    nothingLost();
  });

  it('says so when nothing listens at the endpoint', async () => {
    await assert.rejects(capture(host, { kind: 'heap', url: 'http://127.0.0.1:1/debug/pprof/', outFile: out }), (e: unknown) => e instanceof AnoleError);
    nothingLost();
  });

  it('replaces the previous file once a capture is complete', async () => {
    const res = await capture(host, { kind: 'heap', url: svc.pprofUrl!, outFile: out });
    assert.equal(res.file, out);
    assert.equal(fs.readFileSync(out).subarray(0, 2).toString('hex'), '1f8b', 'a gzipped profile');
    assert.deepEqual(fs.readdirSync(dir), ['cpu.pb.gz']);
  });
});
