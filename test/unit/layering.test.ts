// The core and the CLI never load `vscode`, and the core never reaches up into other layers.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { importedModules, tsFiles } from '../support/layering';

const root = path.resolve(__dirname, '../..');

function offenders(dir: string, forbidden: (spec: string, file: string) => boolean): string[] {
  const bad: string[] = [];
  for (const file of tsFiles(path.join(root, dir))) {
    for (const spec of importedModules(fs.readFileSync(file, 'utf8'))) {
      if (forbidden(spec, file)) bad.push(`${path.relative(root, file)} imports '${spec}'`);
    }
  }
  return bad;
}

describe('layering', () => {
  it('the scanner sees every form of import', () => {
    const src = [
      `import * as vscode from 'vscode';`,
      `import type { Uri } from "vscode";`,
      `const v = require('vscode');`,
      `const w = await import('vscode');`,
      `export { x } from 'vscode';`,
    ].join('\n');
    assert.deepEqual(importedModules(src), ['vscode', 'vscode', 'vscode', 'vscode', 'vscode']);
    assert.deepEqual(importedModules(`import { a } from './x';\nconst y = 1;`), ['./x']);
  });

  it('src/core and src/cli do not import vscode', () => {
    const files = [...tsFiles(path.join(root, 'src/core')), ...tsFiles(path.join(root, 'src/cli'))];
    assert.ok(files.length > 5, 'expected the core and CLI sources to be found');
    const bad = [
      ...offenders('src/core', (s) => s === 'vscode' || s.startsWith('vscode/')),
      ...offenders('src/cli', (s) => s === 'vscode' || s.startsWith('vscode/')),
    ];
    assert.deepEqual(bad, []);
  });

  it('src/core does not import the cli, server, adapter or extension layers', () => {
    const bad = offenders('src/core', (spec, file) => {
      if (!spec.startsWith('.')) return false;
      const target = path.resolve(path.dirname(file), spec);
      return !target.startsWith(path.join(root, 'src/core'));
    });
    assert.deepEqual(bad, []);
  });
});
