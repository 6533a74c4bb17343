// The WebAssembly modules anole runs (src/core/pprof/wasmModules.ts) are the ones its assemblers write.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { wasmApi } from '../../src/core/pprof/wasmAsm';
import { locateModuleBytes } from '../../src/core/pprof/wasmLocate';
import { LOCATE_WASM, RUN_WASM } from '../../src/core/pprof/wasmModules';
import { runModuleBytes } from '../../src/core/pprof/wasmTop';
import { UPDATE_GOLDEN } from '../support/golden';

const FILE = join(__dirname, '..', '..', 'src', 'core', 'pprof', 'wasmModules.ts');

describe('pprof WebAssembly modules', () => {
  it('are, byte for byte, what wasmTop.ts and wasmLocate.ts assemble (ANOLE_UPDATE_GOLDEN=1 rewrites them)', () => {
    const want = { RUN_WASM: Buffer.from(runModuleBytes()).toString('base64'), LOCATE_WASM: Buffer.from(locateModuleBytes()).toString('base64') };
    if (UPDATE_GOLDEN) {
      let text = readFileSync(FILE, 'utf8');
      for (const [name, b64] of Object.entries(want)) text = text.replace(new RegExp(`export const ${name} = '[^']*';`), `export const ${name} = '${b64}';`);
      writeFileSync(FILE, text);
      return;
    }
    const hint = 'an assembler changed: run this test with ANOLE_UPDATE_GOLDEN=1, then review and commit src/core/pprof/wasmModules.ts';
    assert.equal(RUN_WASM, want.RUN_WASM, hint);
    assert.equal(LOCATE_WASM, want.LOCATE_WASM, hint);
    assert.ok(wasmApi, 'this Node has WebAssembly');
    const { Module } = wasmApi;
    for (const b64 of [RUN_WASM, LOCATE_WASM]) assert.doesNotThrow(() => new Module(Buffer.from(b64, 'base64')), 'a valid module');
  });
});
