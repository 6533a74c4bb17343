// Integration tests against a real sshd: exec (hostile argv), readRange, forward, ProxyJump, close.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { shellScript } from '../../src/core/shell';
import { SshHost } from '../../src/core/ssh/sshHost';
import { HOSTILE_VALUES, PWNED_MARKER } from '../fixtures/ssh/hostileValues';
import { startSshd, type TestSshd } from '../host/sshd';
import { isAnole } from '../support/errors';


/** Sends a minimal HTTP/1.0 request over `stream` and returns the whole response. */
function httpOver(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
    stream.write('GET /hello HTTP/1.0\r\nHost: x\r\n\r\n');
  });
}

/** Waits (on the host, bounded) until no process has exactly this command line. */
async function waitGone(h: SshHost, cmdline: string): Promise<void> {
  const r = await h.exec(['sh', '-c', 'for i in $(seq 100); do pgrep -fx "$1" >/dev/null || { echo gone; exit; }; sleep 0.05; done', 'anole', cmdline],
    { timeoutMs: 10_000 });
  assert.equal(r.stdout.toString(), 'gone\n', `${cmdline} is still running on the host`);
}

describe('SshHost against a real sshd', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let host: SshHost;
  let web: http.Server;
  let webPort: number;
  const opened: SshHost[] = [];
  const connect = async (alias: string, extra = {}) => {
    const h = await SshHost.connect(alias, { resolve: { configFile: sshd.configFile }, ...extra });
    opened.push(h);
    return h;
  };

  before(async () => {
    sshd = await startSshd();
    host = await connect(sshd.alias);
    web = http.createServer((req, res) => res.end(`hello from tunnel ${req.url}`));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webPort = (web.address() as net.AddressInfo).port;
  });
  after(async () => {
    await Promise.all(opened.map((h) => h.close()));
    await new Promise((r) => web?.close(r));
    await sshd?.stop();
  });

  describe('exec', () => {
    it('returns stdout, stderr and the exit code', async () => {
      const r = await host.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.equal(r.code, 3);
      assert.equal(r.signal, null);
      assert.equal(r.stdout.toString(), 'out\n');
      assert.equal(r.stderr.toString(), 'err\n');
      assert.equal(host.label, `${sshd.user}@127.0.0.1:${sshd.port}`);
    });

    it('reports a signal, passes stdin, and keeps binary output intact', async () => {
      const killed = await host.exec(['sh', '-c', 'kill -TERM $$']);
      assert.deepEqual([killed.code, killed.signal], [null, 'SIGTERM']);
      const cat = await host.exec(['cat'], { stdin: 'piped in' });
      assert.equal(cat.stdout.toString(), 'piped in');
      const bin = await host.exec(['printf', '\\000\\001\\377\\n']);
      assert.deepEqual([...bin.stdout], [0, 1, 255, 10]);
    });

    it('round-trips hostile argv values byte for byte and runs none of them', async () => {
      fs.rmSync(PWNED_MARKER, { force: true });
      const viaPrintf = await host.exec(['printf', '%s\\0', ...HOSTILE_VALUES]);
      assert.equal(viaPrintf.code, 0, viaPrintf.stderr.toString());
      assert.deepEqual(viaPrintf.stdout.toString('utf8').split('\0').slice(0, -1), HOSTILE_VALUES);
      const viaScript = await host.exec(shellScript('for a in "$@"; do printf "%s\\0" "$a"; done', HOSTILE_VALUES));
      assert.deepEqual(viaScript.stdout.toString('utf8').split('\0').slice(0, -1), HOSTILE_VALUES);
      for (const v of HOSTILE_VALUES.slice(0, 8)) {
        const r = await host.exec([v]); // as the command word: must be "not found", never run
        assert.notEqual(r.code, 0, v);
      }
      const check = await host.exec(['test', '-e', PWNED_MARKER]);
      assert.equal(check.code, 1, 'a hostile value was executed on the remote host');
      assert.equal(fs.existsSync(PWNED_MARKER), false);
    });

    it('runs more concurrent commands than sshd allows sessions (MaxSessions 10) by queueing', async () => {
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => host.exec(['sh', '-c', 'sleep 0.2; echo "$1"', 'anole', String(i)])));
      assert.deepEqual(results.map((r) => r.stdout.toString()), Array.from({ length: 25 }, (_, i) => `${i}\n`));
    });

    it('kills the command and rejects with TIMEOUT after timeoutMs', async () => {
      const started = Date.now();
      await assert.rejects(host.exec(['sleep', '31.5'], { timeoutMs: 300 }), isAnole('TIMEOUT', /sleep .*did not finish within 300 ms/));
      assert.ok(Date.now() - started < 5_000);
      // The remote sleep must go away (it was sent SIGKILL); wait for that on the host, bounded.
      await waitGone(host, 'sleep 31.5');
    });

    it('rejects with CANCELLED on abort and with REMOTE_COMMAND past maxBuffer', async () => {
      const ac = new AbortController();
      const p = host.exec(['sleep', '30'], { signal: ac.signal });
      ac.abort();
      await assert.rejects(p, isAnole('CANCELLED'));
      await assert.rejects(host.exec(['true'], { signal: AbortSignal.abort() }), isAnole('CANCELLED'));
      await assert.rejects(host.exec(['head', '-c', '100000', '/dev/zero'], { maxBuffer: 1000 }), isAnole('REMOTE_COMMAND', /exceeded 1000 bytes/));
    });
  });

  describe('readRange', () => {
    let file: string;
    let data: Buffer;
    before(() => {
      file = path.join(sshd.dir, "data file 'quoted' $x.bin");
      data = randomBytes(300_000);
      fs.writeFileSync(file, data);
    });

    for (const mode of ['sftp', 'dd'] as const) {
      it(`reads slices equal to the local file (${mode})`, async () => {
        const h = mode === 'sftp' ? host : await connect(sshd.alias, { sftp: false });
        const cases: [number, number][] = [[0, 100], [12_345, 200_000], [0, 300_000], [299_990, 100], [300_005, 10], [7, 0]];
        for (const [off, len] of cases) {
          const got = await h.readRange(file, off, len);
          assert.ok(got.equals(data.subarray(off, off + len)), `${mode} ${off}+${len}: got ${got.length} bytes`);
        }
        await assert.rejects(h.readRange(path.join(sshd.dir, 'missing'), 0, 10), isAnole('NOT_FOUND', /missing/));
        await assert.rejects(h.readRange(file, -1, 10), isAnole('BAD_INPUT'));
      });
    }
  });

  describe('forward', () => {
    it('tunnels to a TCP server as seen from the host', async () => {
      const stream = await host.forward('127.0.0.1', webPort);
      const res = await httpOver(stream);
      assert.match(res, /^HTTP\/1\.[01] 200/);
      assert.match(res, /hello from tunnel \/hello$/);
    });

    it('rejects with SSH_CONNECT when nothing listens there', async () => {
      const probe = net.createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const port = (probe.address() as net.AddressInfo).port;
      await new Promise((r) => probe.close(r));
      await assert.rejects(host.forward('127.0.0.1', port), isAnole('SSH_CONNECT', new RegExp(`127\\.0\\.0\\.1:${port}`)));
    });
  });

  describe('ProxyJump', () => {
    for (const [name, alias, hops] of [['one hop', 'anole-jump', 1], ['two hops', 'anole-jump2', 2]] as const) {
      it(`execs and forwards through ${name}`, async () => {
        const before = sshd.logins();
        const h = await connect(alias);
        assert.equal(h.destination.proxyJump.length, hops);
        assert.equal(sshd.logins() - before, hops + 1, 'one SSH login per hop plus the target');
        const r = await h.exec(['echo', `via ${alias}`]);
        assert.equal(r.stdout.toString(), `via ${alias}\n`);
        assert.match(await httpOver(await h.forward('127.0.0.1', webPort)), /hello from tunnel/);
        await h.close();
        assert.equal(h.isOpen, false);
      });
    }
  });

  describe('close', () => {
    it('closes open tunnels and running commands, then refuses new work', async () => {
      const h = await connect(sshd.alias);
      const stream = await h.forward('127.0.0.1', webPort);
      const streamClosed = new Promise<void>((r) => stream.once('close', () => r()));
      const running = h.exec(['sleep', '32.5']).then(() => undefined, (e: unknown) => e);
      await h.close();
      await streamClosed;
      isAnole('CANCELLED', /connection is being closed/)(await running);
      await waitGone(host, 'sleep 32.5'); // close() killed it on the host
      assert.equal(h.isOpen, false);
      await assert.rejects(h.exec(['true']), isAnole('SSH_CONNECT'));
      await assert.rejects(h.readRange('/etc/hostname', 0, 1), isAnole('SSH_CONNECT'));
      await h.close(); // idempotent
    });
  });
});
