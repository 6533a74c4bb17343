// The built CLI loads only what a command needs: --help loads no command, reading files loads no ssh2.
import * as assert from 'node:assert/strict';
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
