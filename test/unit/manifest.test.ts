// The manifest documents the extension: commands, settings, colours, views and l10n agree with the code.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Commands, Views } from '../../src/extension/commands';
import { allSettingIds } from '../../src/extension/settingsSchema';

const root = path.resolve(__dirname, '../..');
const readJson = (f: string) => JSON.parse(fs.readFileSync(path.join(root, f), 'utf8'));

interface Manifest {
  main: string;
  l10n?: string;
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string; icon?: string }[];
    configuration: { properties: Record<string, { description?: string; markdownDescription?: string; scope?: string; enum?: unknown[]; enumDescriptions?: string[] }> };
    colors: { id: string; description: string; defaults: Record<string, string> }[];
    menus: Record<string, { command: string }[]>;
    views: Record<string, { id: string }[]>;
    viewsContainers: Record<string, { id: string; icon: string }[]>;
  };
}

function extensionSources(dir = path.join(root, 'src/extension')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? extensionSources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('manifest (package.json)', () => {
  const pkg = readJson('package.json') as Manifest;
  const nls = readJson('package.nls.json') as Record<string, string>;
  const nlsZh = readJson('package.nls.zh-cn.json') as Record<string, string>;

  it('points at the bundled entry and the l10n folder', () => {
    assert.equal(pkg.main, './dist/extension.js');
    assert.equal(pkg.l10n, './l10n');
  });

  it('activates narrowly (never "*")', () => {
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.ok(pkg.activationEvents.includes('onLanguage:go'));
    assert.ok(pkg.activationEvents.includes('workspaceContains:**/go.mod'));
  });

  it('every command has a title, a category and an icon, and matches the registry both ways', () => {
    const manifestIds = pkg.contributes.commands.map((c) => c.command).sort();
    const registry = Object.values(Commands).sort();
    assert.deepEqual(manifestIds, registry);
    for (const c of pkg.contributes.commands) {
      assert.ok(c.title, `${c.command} has no title`);
      assert.ok(c.category, `${c.command} has no category`);
      assert.ok(c.icon, `${c.command} has no icon`);
      assert.match(c.command, /^anole\.([a-z][A-Za-z]*\.)?[a-z][A-Za-z]*$/);
    }
  });

  it('menus only name contributed commands', () => {
    const ids = new Set(pkg.contributes.commands.map((c) => c.command));
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const i of items) assert.ok(ids.has(i.command), `${menu} names unknown command ${i.command}`);
    }
  });

  it('every setting has a description and a scope, enums have enum descriptions, and all are read by settings.ts', () => {
    const props = pkg.contributes.configuration.properties;
    for (const [id, p] of Object.entries(props)) {
      assert.ok(p.description || p.markdownDescription, `${id} has no description`);
      assert.ok(p.scope, `${id} has no scope`);
      if (p.enum) assert.equal(p.enumDescriptions?.length, p.enum.length, `${id}: enumDescriptions do not match enum`);
    }
    assert.deepEqual(Object.keys(props).sort(), allSettingIds().sort());
  });

  it('views match the registry and the container icon ships', () => {
    const viewIds = Object.values(pkg.contributes.views).flat().map((v) => v.id).sort();
    assert.deepEqual(viewIds, [Views.captures, Views.hosts, Views.goroutineGroups, Views.doctor].sort());
    const container = pkg.contributes.viewsContainers.activitybar.find((c) => c.id === Views.container);
    assert.ok(container && fs.existsSync(path.join(root, container.icon)));
  });

  it('every colour the code uses is contributed, with defaults for all themes', () => {
    const contributed = new Set(pkg.contributes.colors.map((c) => c.id));
    for (const c of pkg.contributes.colors) {
      assert.deepEqual(Object.keys(c.defaults).sort(), ['dark', 'highContrast', 'highContrastLight', 'light'], c.id);
    }
    const used = new Set<string>();
    for (const f of extensionSources()) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/['"](anole\.[A-Za-z]+(?:Background|Foreground|Border|OverviewRuler))['"]/g)) used.add(m[1]);
    }
    assert.ok(used.size >= 10, `expected the decoration colours to be found, got ${[...used]}`);
    for (const id of used) assert.ok(contributed.has(id), `${id} is used but not in contributes.colors`);
  });

  it('every %key% exists in package.nls.json and package.nls.zh-cn.json, and both have the same keys', () => {
    const text = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
    const keys = [...text.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
    assert.ok(keys.length > 30);
    for (const k of keys) {
      assert.ok(nls[k], `${k} missing from package.nls.json`);
      assert.ok(nlsZh[k], `${k} missing from package.nls.zh-cn.json`);
    }
    assert.deepEqual(Object.keys(nlsZh).sort(), Object.keys(nls).sort());
  });

  it('every runtime string of src/extension is translated in l10n/bundle.l10n.zh-cn.json', () => {
    const bundle = readJson('l10n/bundle.l10n.zh-cn.json') as Record<string, string>;
    const missing: string[] = [];
    for (const f of extensionSources()) {
      const src = fs.readFileSync(f, 'utf8');
      for (const m of src.matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) {
        const s = m[1].replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
        if (!bundle[s]) missing.push(`${path.relative(root, f)}: ${s}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
