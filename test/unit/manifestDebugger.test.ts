// The `anole` debugger's attach attributes in package.json match the adapter's TypeScript interface.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ATTACH_ARGUMENT_KEYS, type AnoleAttachArguments } from '../../src/adapter/attachArgs';

type OwnKeys = Exclude<keyof AnoleAttachArguments, keyof DebugProtocol.AttachRequestArguments>;
/** Compile-time: one entry per key of the interface, no more, no fewer (tsc fails otherwise). */
const INTERFACE_KEYS: Record<OwnKeys, true> = {
  host: true, sshConfigFile: true, processId: true, processName: true, backend: true, substitutePath: true, cwd: true, trace: true, coreFilePath: true, program: true, allowFunctionCalls: true,
};

const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'));
const nls = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.nls.json'), 'utf8'));

describe('manifest: the anole debugger', () => {
  const dbg = manifest.contributes.debuggers?.find((d: { type: string }) => d.type === 'anole');

  it('is contributed with attach attributes', () => {
    assert.ok(dbg, 'no debuggers[] entry of type anole');
    assert.ok(dbg.configurationAttributes.attach.properties);
  });

  it('declares exactly the attributes of AnoleAttachArguments', () => {
    const declared = Object.keys(dbg.configurationAttributes.attach.properties).sort();
    assert.deepEqual(declared, Object.keys(INTERFACE_KEYS).sort());
    assert.deepEqual([...ATTACH_ARGUMENT_KEYS].sort(), Object.keys(INTERFACE_KEYS).sort());
  });

  it('describes every attribute, and the backend enum with enumDescriptions', () => {
    const props = dbg.configurationAttributes.attach.properties as Record<string, { description?: string; enum?: string[]; enumDescriptions?: string[] }>;
    for (const [name, p] of Object.entries(props)) {
      assert.ok(p.description, `${name} has no description`);
      const key = /^%(.+)%$/.exec(p.description)?.[1];
      if (key) assert.ok(nls[key], `${name}: ${key} missing from package.nls.json`);
    }
    assert.deepEqual(props.backend.enum, ['auto', 'dlv', 'gdb']);
    assert.equal(props.backend.enumDescriptions?.length, 3);
  });

  it('is activated by debug resolution', () => {
    assert.ok(manifest.activationEvents.includes('onDebugResolve:anole'));
  });
});
