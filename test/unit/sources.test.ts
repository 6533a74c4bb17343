// Unit tests of the backend sources' pure parts: the protobuf writer against the wire reader, URLs and
// credentials, time ranges, the anole.backends setting, the git-ref check, and the HTTP limits.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { credentials } from '../../src/cli/commands/source';
import { isAnoleError } from '../../src/core/errors';
import { compareGitRef, workspaceHead } from '../../src/core/sources/gitRef';
import { authHeaders, httpRequest, parseServerUrl, redactUrl } from '../../src/core/sources/http';
import { parseRange, parseTime } from '../../src/core/sources';
import { describeRange, kindOfType, normaliseSelector, sharedLabels } from '../../src/core/sources/profileTypes';
import { readInt, readMessage, readSpan, readString, repeatedStrings } from '../../src/core/sources/protoRead';
import { ProtoWriter } from '../../src/core/pprof/wireWrite';
import { sanitizeBackends } from '../../src/extension/settingsSchema';

describe('backend sources: protobuf writer', () => {
  it('writes what the wire reader reads back: varints, strings, nested messages, timestamps', () => {
    const buf = new ProtoWriter()
      .uint(1, 2)
      .string(2, 'process_cpu:samples:count:cpu:nanoseconds:delta{job="a"}')
      .message(3, (m) => m.string(1, 'q').timestamp(2, 1_765_000_000_123))
      .uint(4, 2 ** 40 + 5)
      .uint(5, -7)
      .string(6, 'x')
      .string(6, 'y')
      .finish();
    const seen: Record<number, unknown> = {};
    readMessage('test', buf, (f, wt, r) => {
      if (f === 1 || f === 4 || f === 5) seen[f] = readInt(wt, r);
      else if (f === 2) seen[f] = readString(wt, r);
      else if (f === 3) {
        const span = readSpan(wt, r)!;
        const inner: Record<number, unknown> = {};
        readMessage('inner', buf, (nf, nwt, nr) => {
          if (nf === 1) inner[nf] = readString(nwt, nr);
          else if (nf === 2) {
            const ts = readSpan(nwt, nr)!;
            const t: number[] = [0, 0, 0];
            readMessage('ts', buf, (tf, twt, tr) => void (t[tf] = readInt(twt, tr)!), ts[0], ts[1]);
            inner[nf] = t;
          }
        }, span[0], span[1]);
        seen[f] = inner;
      }
    });
    assert.deepEqual(seen, { 1: 2, 2: 'process_cpu:samples:count:cpu:nanoseconds:delta{job="a"}', 3: { 1: 'q', 2: [0, 1_765_000_000, 123_000_000] }, 4: 2 ** 40 + 5, 5: -7 });
    assert.deepEqual(repeatedStrings('test', buf, 6), ['x', 'y']);
  });

  it('skips proto3 defaults but writes an explicitly set empty optional string', () => {
    assert.equal(new ProtoWriter().uint(1, 0).string(2, '').finish().length, 0);
    assert.deepEqual([...new ProtoWriter().string(2, '', true).finish()], [0x12, 0]);
  });

  it('turns malformed answers into BAD_PROFILE errors naming the message', () => {
    assert.throws(() => readMessage('ProfileTypes', Uint8Array.from([0x0a, 0x05, 0x01]), () => undefined), (e: unknown) => isAnoleError(e) && e.code === 'BAD_PROFILE' && /ProfileTypes/.test(e.message));
  });
});

describe('backend sources: URLs, credentials, ranges', () => {
  it('takes user:password out of a URL and never shows it', () => {
    const u = parseServerUrl('https://alice:p%40ss@grafana.example.com/api/datasources/proxy/uid/abc?x=1');
    assert.equal(u.display, 'https://grafana.example.com/api/datasources/proxy/uid/abc');
    assert.deepEqual(u.auth, { kind: 'basic', user: 'alice', password: 'p@ss' });
    assert.equal(new URL('querier.v1.QuerierService/ProfileTypes', u.base).pathname, '/api/datasources/proxy/uid/abc/querier.v1.QuerierService/ProfileTypes');
    assert.equal(redactUrl('not a url://bob:secret@host'), 'not a url://host');
    assert.throws(() => parseServerUrl('ftp://x'), /unsupported URL scheme/);
    assert.throws(() => parseServerUrl('http://a:b@'), (e: unknown) => isAnoleError(e) && !e.message.includes(':b@'));
  });

  it('sends bearer or basic auth and the tenant header', () => {
    assert.deepEqual(authHeaders({ kind: 'bearer', token: 't' }, 'team-a'), { authorization: 'Bearer t', 'x-scope-orgid': 'team-a' });
    assert.deepEqual(authHeaders({ kind: 'basic', user: 'u', password: 'p' }, undefined), { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    assert.deepEqual(authHeaders(undefined, undefined), {});
  });

  it('the CLI reads credentials from a file or the environment only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-cred-'));
    try {
      const f = path.join(dir, 'token');
      fs.writeFileSync(f, 'tok-from-file\n');
      assert.deepEqual(credentials(f, { ANOLE_SOURCE_TOKEN: 'env' }), { kind: 'bearer', token: 'tok-from-file' });
      assert.deepEqual(credentials(undefined, { ANOLE_SOURCE_TOKEN: 'env' }), { kind: 'bearer', token: 'env' });
      assert.deepEqual(credentials(undefined, { ANOLE_SOURCE_USER: 'u', ANOLE_SOURCE_PASSWORD: 'p' }), { kind: 'basic', user: 'u', password: 'p' });
      assert.equal(credentials(undefined, {}), undefined);
      fs.writeFileSync(f, '\n');
      assert.throws(() => credentials(f, {}), /is empty/);
      assert.throws(() => credentials(path.join(dir, 'missing'), {}), /cannot read the token file .*ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads times as now-15m, 2h ago, ISO dates and Unix seconds or ms', () => {
    const now = Date.parse('2026-12-06T04:00:00Z');
    assert.equal(parseTime('now', now), now);
    assert.equal(parseTime('now-15m', now), now - 900_000);
    assert.equal(parseTime('2h', now), now - 7_200_000);
    assert.equal(parseTime('1.5d', now), now - 129_600_000);
    assert.equal(parseTime('2026-12-06T03:00:00Z', now), now - 3_600_000);
    assert.equal(parseTime('1765000000', now), 1_765_000_000_000);
    assert.equal(parseTime('1765000000123', now), 1_765_000_000_123);
    assert.throws(() => parseTime('yesterday', now), /not a time/);
    assert.deepEqual(parseRange(undefined, undefined, now), { fromMs: now - 900_000, toMs: now });
    assert.throws(() => parseRange('now', 'now-1h', now), /the range is empty/);
    assert.equal(describeRange({ fromMs: now - 900_000, toMs: now }), '2026-12-06 03:45:00–04:00:00 UTC');
  });

  it('maps Parca and Pyroscope type ids to capture kinds, and selectors and shared labels', () => {
    assert.equal(kindOfType('process_cpu:samples:count:cpu:nanoseconds:delta'), 'cpu');
    assert.equal(kindOfType('process_cpu:cpu:nanoseconds:cpu:nanoseconds'), 'cpu');
    assert.equal(kindOfType('memory:inuse_space:bytes:space:bytes'), 'heap');
    assert.equal(kindOfType('memory:alloc_objects:count:space:bytes:delta'), 'allocs');
    assert.equal(kindOfType('mutex:delay:nanoseconds:contentions:count:delta'), 'mutex');
    assert.equal(kindOfType('fgprof:samples:count:wallclock:nanoseconds:delta'), undefined);
    assert.equal(normaliseSelector('  '), '{}');
    assert.equal(normaliseSelector('{ }'), '{}');
    assert.deepEqual(sharedLabels([{ job: 'a', r: '1' }, { job: 'a', r: '2' }]), { job: 'a' });
    assert.deepEqual(sharedLabels([]), {});
  });

  it('anole.backends keeps well-formed entries and drops URLs that carry a password', () => {
    const got = sanitizeBackends([
      { kind: 'parca', url: 'http://parca:7070' },
      { kind: 'pyroscope', url: 'https://u:p@pyro', name: 'leaky' },
      { kind: 'pyroscope', url: 'https://pyro', name: ' prod ', tenant: 'team-a' },
      { kind: 'other', url: 'http://x' },
      'junk',
    ]);
    assert.deepEqual(got, [
      { name: 'http://parca:7070', kind: 'parca', url: 'http://parca:7070', tenant: undefined },
      { name: 'prod', kind: 'pyroscope', url: 'https://pyro', tenant: 'team-a' },
    ]);
  });
});

describe('backend sources: which source version', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-git-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

  it('reads HEAD through a loose ref, packed refs, a detached HEAD and a worktree', () => {
    fs.mkdirSync(path.join(dir, '.git/refs/heads'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
    fs.writeFileSync(path.join(dir, '.git/packed-refs'), `# pack-refs\n${sha} refs/heads/main\n`);
    assert.equal(workspaceHead(dir), sha);
    fs.writeFileSync(path.join(dir, '.git/refs/heads/main'), `${sha.replace('a1', 'ff')}\n`);
    assert.equal(workspaceHead(dir), sha.replace('a1', 'ff'));
    const wt = path.join(dir, 'wt');
    fs.mkdirSync(path.join(dir, '.git/worktrees/wt'), { recursive: true });
    fs.mkdirSync(wt);
    fs.writeFileSync(path.join(wt, '.git'), `gitdir: ${path.join(dir, '.git/worktrees/wt')}\n`);
    fs.writeFileSync(path.join(dir, '.git/worktrees/wt/HEAD'), `${sha}\n`);
    assert.equal(workspaceHead(wt), sha);
    fs.writeFileSync(path.join(dir, '.git/worktrees/wt/HEAD'), 'ref: refs/heads/main\n');
    fs.writeFileSync(path.join(dir, '.git/worktrees/wt/commondir'), '../..\n');
    assert.equal(workspaceHead(wt), sha.replace('a1', 'ff'));
    assert.equal(workspaceHead(path.join(dir, 'nowhere')), undefined);
  });

  it('compares service_git_ref with HEAD: same (full or short), different, or unknown', () => {
    assert.deepEqual(compareGitRef({ service_git_ref: sha }, sha), { kind: 'same' });
    assert.deepEqual(compareGitRef({ service_git_ref: sha.slice(0, 8) }, sha), { kind: 'same' });
    assert.deepEqual(compareGitRef({ service_git_ref: 'v1.2.3', service_repository: 'github.com/x/y' }, sha), { kind: 'differs', profileRef: 'v1.2.3', headRef: sha, repository: 'github.com/x/y' });
    assert.deepEqual(compareGitRef({}, sha), { kind: 'unknown' });
    assert.deepEqual(compareGitRef({ service_git_ref: sha }, undefined), { kind: 'unknown' });
  });
});

describe('backend sources: HTTP limits', () => {
  let srv: http.Server;
  let url: URL;
  before(async () => {
    // Accepts and never answers, like a hung server.
    srv = http.createServer(() => undefined);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    url = new URL(`http://127.0.0.1:${(srv.address() as { port: number }).port}/x`);
  });
  after(() => {
    srv.closeAllConnections();
    srv.close();
  });

  it('fails with TIMEOUT when no first byte comes within the limit', async () => {
    await assert.rejects(httpRequest({ url, what: 'Parca X: profile types', timeoutMs: 200 }), (e: unknown) => isAnoleError(e) && e.code === 'TIMEOUT' && /Parca X: profile types: no answer from http:\/\/127\.0\.0\.1:\d+ within 0\.2 s/.test(e.message));
  });

  it('stops at once, CANCELLED, when the signal aborts; never waits longer than 10 s', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(httpRequest({ url, what: 'q', signal: ac.signal, timeoutMs: 60_000 }), (e: unknown) => isAnoleError(e) && e.code === 'CANCELLED');
    assert.ok(Date.now() - t0 < 10_000, 'stopped by the signal, not by the 60 s limit');
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(httpRequest({ url, what: 'q', signal: pre.signal }), /cancelled/);
  });
});
