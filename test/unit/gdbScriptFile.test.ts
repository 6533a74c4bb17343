// Where Anole finds its gdb script: in the checkout from the sources, and next to the bundles where the build copies it (and ships it).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GDB_SCRIPT_SOURCE, gdbScriptPath, readGdbScript } from '../../src/core/debug/gdb/script';

const root = path.resolve(__dirname, '../..');
const dist = path.join(root, 'dist');

describe('gdb script location', () => {
  it('run from the sources, is the checkout’s media/gdb/anole_goroutines.py', () => {
    assert.equal(gdbScriptPath(), path.join(root, GDB_SCRIPT_SOURCE));
    assert.equal(readGdbScript(), fs.readFileSync(path.join(root, GDB_SCRIPT_SOURCE), 'utf8'));
    assert.match(readGdbScript(), /anole-eval/);
    assert.equal(readGdbScript('anole_snapshot.py'), fs.readFileSync(path.join(root, 'media/gdb/anole_snapshot.py'), 'utf8'), 'the snapshot script sits next to it');
  });

  it('in the build, is a copy next to the bundles, at the path the build defines for every bundle that reads it', () => {
    assert.ok(fs.existsSync(path.join(dist, 'adapter.js')), `${dist} is not built: run \`npm run build\` first`);
    const readers = fs.readdirSync(dist).filter((f) => f.endsWith('.js') && fs.readFileSync(path.join(dist, f), 'utf8').includes('gdb script is missing'));
    assert.ok(readers.includes('adapter.js') && readers.includes('extension.js'), `bundles reading the script: ${readers.join(', ')}`);
    for (const f of readers) {
      const code = fs.readFileSync(path.join(dist, f), 'utf8');
      assert.doesNotMatch(code, /__ANOLE_GDB_SCRIPT__/, `${f}: the build did not define the script's place`);
      const defined = [...code.matchAll(/"(gdb\/[^"]+\.py)"/g)].map((m) => m[1]);
      assert.deepEqual([...new Set(defined)], ['gdb/anole_goroutines.py'], f);
      assert.equal(fs.readFileSync(path.join(dist, defined[0]), 'utf8'), readGdbScript(), `${f}: dist/${defined[0]} is the checkout's script`);
      assert.equal(fs.readFileSync(path.join(dist, 'gdb/anole_snapshot.py'), 'utf8'), readGdbScript('anole_snapshot.py'), `${f}: dist/gdb/anole_snapshot.py is the checkout's script`);
    }
  });

  it('ships in the .vsix (the allow-list re-includes it)', () => {
    const allow = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(allow.includes('!dist/gdb/*.py'), '.vscodeignore re-includes dist/gdb/*.py');
  });
});
