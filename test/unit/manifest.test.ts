// The manifest documents the extension: commands, settings, colours, views and l10n agree with the code.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { Commands, Views } from '../../src/extension/commands';
import { allSettingIds } from '../../src/extension/settingsSchema';
import { WEBVIEW_STRINGS, mergeStrings } from '../../src/core/webview/strings';
import { tsFiles } from '../support/layering';

const root = path.resolve(__dirname, '../..');
const readJson = (f: string) => JSON.parse(fs.readFileSync(path.join(root, f), 'utf8'));

interface Manifest {
  main: string;
  l10n?: string;
  activationEvents: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
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

  it('declares activation events only for what the code provides', () => {
    const code = extensionSources().map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    for (const e of pkg.activationEvents.filter((a) => a.startsWith('onDebugDynamicConfigurations:'))) {
      assert.match(code, /DebugConfigurationProviderTriggerKind\.Dynamic/, `${e} without a dynamic debug configuration provider`);
    }
  });

  it('runtime dependencies are exactly the packages the shipped code imports', () => {
    // Value imports (not `import type`) of packages from the code esbuild bundles.
    const used = new Set<string>();
    for (const f of [...tsFiles(path.join(root, 'src')), ...tsFiles(path.join(root, 'media/src'))].filter((x) => !x.endsWith('.d.ts'))) {
      const src = fs.readFileSync(f, 'utf8');
      for (const m of src.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^;'"]*?\sfrom\s*)?['"]([^'"./][^'"]*)['"]|\brequire\(\s*['"]([^'"./][^'"]*)['"]\s*\)/gm)) {
        const spec = m[1] ?? m[2];
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (name !== 'vscode' && !builtinModules.includes(name.replace(/^node:/, ''))) used.add(name);
      }
    }
    assert.deepEqual(Object.keys(pkg.dependencies).filter((d) => !used.has(d)), [], 'runtime dependencies nothing imports');
    assert.deepEqual([...used].filter((u) => !(u in pkg.dependencies)).sort(), [], 'imported but not runtime dependencies');
  });

  it('the build fails, naming it, when an entry point is missing', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-build-'));
    try {
      fs.mkdirSync(path.join(tmp, 'scripts'));
      fs.copyFileSync(path.join(root, 'scripts/build.mjs'), path.join(tmp, 'scripts/build.mjs'));
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(tmp, 'node_modules'));
      fs.mkdirSync(path.join(tmp, 'src/cli'), { recursive: true });
      fs.writeFileSync(path.join(tmp, 'src/cli/main.ts'), 'console.log(1);\n');
      const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: tmp, encoding: 'utf8' });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /entry point\(s\) missing: src\/extension\/extension\.ts, src\/adapter\/main\.ts, src\/server\/main\.ts/);
      assert.ok(!fs.existsSync(path.join(tmp, 'dist')), 'nothing was built');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
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

  it('every command of the registry is registered through it, once, and nothing else is registered', () => {
    const registered: string[] = [];
    const untyped: string[] = [];
    for (const f of extensionSources().filter((x) => x !== path.join(root, 'src/extension/commands.ts'))) {
      const src = fs.readFileSync(f, 'utf8');
      for (const m of src.matchAll(/\bregisterCommand\(\s*vscode\.commands,\s*Commands\.(\w+)/g)) {
        const id = (Commands as Record<string, string>)[m[1]];
        assert.ok(id, `${path.relative(root, f)} registers Commands.${m[1]}, which is not in the registry`);
        registered.push(id);
      }
      for (const m of src.matchAll(/\bcommands\.registerCommand\(\s*([^,)]*)/g)) untyped.push(`${path.relative(root, f)}: ${m[1]}`);
    }
    assert.deepEqual(untyped, [], 'commands registered outside the typed registry (use registerCommand from commands.ts)');
    assert.deepEqual(registered.sort(), pkg.contributes.commands.map((c) => c.command).sort());
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

  it('every string of the profile webview is translated, with the same placeholders', () => {
    const bundle = readJson('l10n/bundle.l10n.zh-cn.json') as Record<string, string>;
    const translated = Object.fromEntries(Object.entries(WEBVIEW_STRINGS).map(([id, en]) => [id, bundle[en]]));
    assert.deepEqual(Object.entries(translated).filter(([, zh]) => !zh).map(([id]) => id), [], 'webview strings without a translation');
    // The page keeps a translation only if its placeholders match the English: all of them must survive.
    assert.deepEqual(mergeStrings(translated), translated);
  });
});
