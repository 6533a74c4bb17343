// The unit tier's guard is on and bites: running go (directly, by absolute path, promisified, or from a child shell) fails the test that did it.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { guardActive, integrationTool, takeViolations } from '../support/tierGuard';

describe('unit tier guard', () => {
  it('is on: this run holds unit tests only', () => {
    assert.equal(guardActive(), true, 'the guard is off: run the unit tier on its own (test/unit/**), or set ANOLE_TIER=unit');
  });

  it('names the integration tool of a command line, by base name', () => {
    assert.equal(integrationTool('go'), 'go');
    assert.equal(integrationTool('/usr/lib/go-1.19/bin/go'), 'go');
    assert.equal(integrationTool('gdb --interpreter=mi3'), 'gdb');
    assert.equal(integrationTool('/usr/sbin/sshd'), 'sshd');
    assert.equal(integrationTool('sh'), undefined);
    assert.equal(integrationTool(process.execPath), undefined);
  });

  it('refuses go, gdb, dlv and sshd in this process, whichever way they are started', async () => {
    assert.throws(() => spawn('go', ['version']), /unit tier: a test ran `go`; .*move this test to test\/integration/);
    assert.throws(() => execFileSync('/usr/lib/go-1.19/bin/go', ['version']), /unit tier: a test ran/);
    assert.throws(() => spawnSync('gdb', ['--version']), /unit tier: a test ran `gdb`/);
    assert.throws(() => execFile('dlv', ['version']), /unit tier: a test ran `dlv`/);
    await assert.rejects(promisify(execFile)('sshd', ['-V']), /unit tier: a test ran `sshd`/);
    assert.deepEqual(takeViolations(), ['go (child_process.spawn)', 'go (child_process.execFileSync)', 'gdb (child_process.spawnSync)',
      'dlv (child_process.execFile)', 'sshd (child_process.execFile)']);
  });

  it('catches a child process that runs go through PATH, and still lets node and sh run', () => {
    const r = spawnSync('sh', ['-c', 'go version'], { encoding: 'utf8' });
    assert.equal(r.status, 127);
    assert.match(r.stderr, /unit tier: a test ran go; /);
    assert.deepEqual(takeViolations(), ['go (run by a child process)']);
    assert.equal(execFileSync(process.execPath, ['-e', 'process.stdout.write("ok")'], { encoding: 'utf8' }), 'ok');
  });
});
