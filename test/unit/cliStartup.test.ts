// The built CLI loads only what a command needs: --help loads no command, reading files loads no ssh2.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';

const fixtures = path.resolve(__dirname, '../fixtures');
const hook = path.resolve(__dirname, '../support/moduleLog.js');
/** Built-in modules that only ssh2, the tunnels and the debuggers need. */
const REMOTE_ONLY = ['net', 'tls', 'dns', 'crypto', 'child_process', 'http', 'readline'];

/** Runs `anole ...args` and returns its exit code and the modules it required. */
async function modulesOf(args: string[]): Promise<{ code: number; files: string[]; builtins: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-modules-'));
  try {
    const log = path.join(dir, 'modules.txt');
    const r = await runCli(args, { env: { NODE_OPTIONS: `--require ${hook}`, ANOLE_MODULE_LOG: log } });
    const ids = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    return {
      code: r.code,
      // The CLI's own files (dist/cli.js and the command bundles), by base name.
      files: ids.filter((id) => /(^|\/)cli(-\w+)?\.js$/.test(id)).map((id) => path.basename(id)).sort(),
      builtins: ids.filter((id) => REMOTE_ONLY.includes(id.replace(/^node:/, ''))).sort(),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('CLI start-up: modules per command', function () {
  this.timeout(60_000);

  it('the check sees ssh2 being loaded (anole ps loads it)', async () => {
    const m = await modulesOf(['ps']);
    assert.equal(m.code, 1, 'ps without HOST is a usage error');
    assert.deepEqual(m.files, ['cli-ps.js', 'cli.js']);
    for (const b of ['net', 'crypto']) assert.ok(m.builtins.includes(b), `ps should load ${b} (ssh2): ${m.builtins.join(', ')}`);
  });

  it('anole --help loads no command module, ssh2 nor debugger', async () => {
    const m = await modulesOf(['--help']);
    assert.equal(m.code, 0);
    assert.deepEqual(m.files, ['cli.js']);
    assert.deepEqual(m.builtins, []);
  });

  it('anole top PROFILE loads the analysis commands only, no ssh2', async () => {
    const m = await modulesOf(['top', path.join(fixtures, 'profiles/go1.26/heap.pb.gz')]);
    assert.equal(m.code, 0);
    assert.deepEqual(m.files, ['cli-analyze.js', 'cli.js']);
    assert.deepEqual(m.builtins, []);
  });

  it("a command's user error reaches the start-up module as one, though it comes from another bundle", async () => {
    const r = await runCli(['top', path.join(fixtures, 'no-such-profile.pb.gz')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^anole: no such profile file: .*no-such-profile\.pb\.gz\n$/);
  });

  it('anole goroutines DUMPFILE loads no ssh2 nor debugger', async () => {
    const m = await modulesOf(['goroutines', path.join(fixtures, 'dumps/go1.26/goroutines.debug2.txt')]);
    assert.equal(m.code, 0);
    assert.deepEqual(m.files, ['cli-goroutines.js', 'cli.js']);
    assert.deepEqual(m.builtins, []);
  });
});

describe('CLI start-up: the anole launcher (bin/anole, the package bin)', function () {
  this.timeout(60_000);
  const launcher = path.resolve(__dirname, '../../bin/anole');
  const profile = path.join(fixtures, 'profiles/go1.26/heap.pb.gz');
  const dump = path.join(fixtures, 'dumps/go1.26/goroutines.debug2.txt');
  // Node warns at start when NODE_EXTRA_CA_CERTS names a file it cannot read: the warning shows whether
  // the launcher passed the variable on.
  const CA_WARNING = /Ignoring extra certs from/;
  let dir: string;
  let linked: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-bin-'));
    // As `npm link` and node_modules/.bin install it: a symbolic link in another folder (here a relative link to
    // an absolute one, as a global bin folder's link to the package's does).
    fs.mkdirSync(path.join(dir, 'lib'));
    fs.symlinkSync(launcher, path.join(dir, 'lib', 'anole'));
    linked = path.join(dir, 'anole');
    fs.symlinkSync(path.join('lib', 'anole'), linked);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the linked launcher with NODE_EXTRA_CA_CERTS naming a missing file. */
  function anole(args: string[]): ReturnType<typeof spawnSync> {
    return spawnSync(linked, args, { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'no-such-ca.pem') } });
  }

  it('runs the built CLI through a link, with the same output as node dist/cli.js', async () => {
    const viaLink = anole(['top', profile, '--limit', '5']);
    const direct = await runCli(['top', profile, '--limit', '5']);
    assert.equal(viaLink.status, 0, String(viaLink.stderr));
    assert.equal(viaLink.stdout, direct.stdout);
    assert.match(String(viaLink.stdout), /flat/);
  });

  it('commands that only read local files start without the CA file (no TLS in them)', () => {
    for (const args of [['top', profile], ['locks', path.join(fixtures, 'profiles/go1.26/mutex.pb.gz')], ['diff', profile, profile], ['goroutines', dump], ['--help']]) {
      const r = anole(args);
      assert.equal(r.status, 0, `anole ${args.join(' ')}: ${String(r.stderr)}`);
      assert.doesNotMatch(String(r.stderr), CA_WARNING, `anole ${args[0]} should not load NODE_EXTRA_CA_CERTS`);
    }
  });

  it('commands that may reach a host or a backend keep NODE_EXTRA_CA_CERTS', () => {
    for (const args of [['source', 'types', 'parca', 'http://127.0.0.1:1'], ['ps'], ['goroutines', path.join(dir, 'not-a-dump-but-a-host')], ['capture']]) {
      const r = anole(args);
      assert.notEqual(r.status, 0, `anole ${args.join(' ')} has nothing to reach here and fails`);
      assert.match(String(r.stderr), CA_WARNING, `anole ${args.join(' ')} should pass NODE_EXTRA_CA_CERTS on to node`);
    }
  });
});
