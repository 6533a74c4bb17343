// What encodeProfile and mergeProfiles write, read back by the real `go tool pprof` (-raw and -top).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProfile, sampleTotal } from '../../src/core/pprof';
import { encodeProfile } from '../../src/core/pprof/encode';
import { mergeProfiles } from '../../src/core/pprof/merge';
import { GO_VERSIONS, fixture, goToolPprofTop } from '../fixtures/profiles/fixtures';

const KINDS = ['cpu', 'heap', 'goroutine', 'mutex', 'block'];

function pprof(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('go', ['tool', 'pprof', ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GOTOOLCHAIN: 'local' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`go tool pprof ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

describe('encoded and merged profiles in go tool pprof', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'anole-encode-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const version of GO_VERSIONS) {
    for (const kind of KINDS) {
      it(`-raw of the re-encoded ${version} ${kind} profile is the original's`, async () => {
        const src = fixture(version, kind);
        const out = join(dir, `${version}-${kind}.pb.gz`);
        writeFileSync(out, encodeProfile(decodeProfile(readFileSync(src), { labels: true })));
        // Time is int64 nanoseconds; the model holds it as a double, exact to a microsecond.
        const time = (text: string) => text.replace(/^(Time: [\d-]+ [\d:]+\.\d{6})\d+/m, '$1');
        assert.equal(time(await pprof(['-raw', out])), time(await pprof(['-raw', src])));
      });
    }
  }

  it('-top of a merge of three replicas is three times one replica, and -raw shows their replica labels', async () => {
    const src = fixture('go1.26', 'cpu');
    const one = decodeProfile(readFileSync(src), { labels: true });
    const merged = mergeProfiles(['api-1', 'api-2', 'api-3'].map((name) => ({ name, profile: decodeProfile(readFileSync(src), { labels: true }) })));
    const out = join(dir, 'merged.pb.gz');
    writeFileSync(out, encodeProfile(merged));
    const unit = one.sampleTypes[one.sampleTypes.length - 1].unit;
    const [single, three] = await Promise.all([goToolPprofTop(src, unit, ['-lines']), goToolPprofTop(out, unit, ['-lines'])]);
    assert.equal(three.total, 3 * single.total);
    assert.equal(three.total, sampleTotal(merged, merged.sampleTypes.length - 1));
    const flat = new Map(single.rows.map((r) => [r.name, r.flat]));
    assert.ok(three.rows.length > 3, three.text);
    for (const r of three.rows) assert.equal(r.flat, 3 * flat.get(r.name)!, r.name);
    const raw = await pprof(['-raw', out]);
    for (const name of ['api-1', 'api-2', 'api-3']) assert.match(raw, new RegExp(`replica:\\[${name}\\]`));
    // go tool pprof filters by the label: one replica's share is a third.
    const only = await pprof(['-top', '-tagfocus=replica=api-2', '-unit=ns', out]);
    assert.match(only, /33\.33% of \d+ns total/, only);
  });
});
