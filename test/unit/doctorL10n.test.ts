// The doctor's texts in zh-cn: every msg('…') template of src/core/doctor has a translation with the same placeholders, and rendering uses it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleTranslator, english, list, msg, render, samePlaceholders } from '../../src/core/doctor/msg';
import { hostSummary, judge } from '../../src/core/doctor/run';
import { parseDoctorOutput } from '../../src/core/doctor/script';

const root = path.resolve(__dirname, '../..');
const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n/bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
const DIR = path.join(root, 'src/core/doctor');
/** Files outside the doctor that render its texts: the debugger's preflight message, the adapter's link to the report. */
const MORE = ['src/core/debug/attach.ts', 'src/adapter/checkHostLink.ts'].map((f) => path.join(root, f));

/** Every template of the doctor (and the debugger's preflight): the first argument of each msg( call, which must be a string literal. */
function doctorTemplates(): string[] {
  const out = new Set<string>();
  for (const f of [...fs.readdirSync(DIR).filter((n) => n.endsWith('.ts')).map((n) => path.join(DIR, n)), ...MORE]) {
    const src = fs.readFileSync(f, 'utf8');
    const calls = [...src.matchAll(/\bmsg\(/g)].length - [...src.matchAll(/function msg\(/g)].length;
    const literals = [...src.matchAll(/\bmsg\(\s*'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
    assert.equal(literals.length, calls, `${path.relative(root, f)}: every msg( call takes a string literal template`);
    for (const l of literals) out.add(l);
  }
  return [...out];
}

describe('doctor texts in zh-cn', () => {
  const templates = doctorTemplates();

  it('finds the templates of every check file', () => {
    assert.ok(templates.length > 100, `only ${templates.length} templates found`);
    assert.ok(templates.includes('GOMAXPROCS={0} but the CPU quota is {1} CPUs{2}: the CFS quota throttles the process (tail latency)'));
    assert.ok(templates.includes('kernel.yama.ptrace_scope is 1: a debugger may attach only to its own child processes'));
  });

  it('every template has a zh-cn translation with the same placeholders', () => {
    const missing = templates.filter((t) => typeof bundle[t] !== 'string' || bundle[t] === '');
    assert.deepEqual(missing, [], 'templates without a translation');
    const mismatched = templates.filter((t) => !samePlaceholders(t, bundle[t]));
    assert.deepEqual(mismatched, [], 'translations whose placeholders differ');
  });

  it('keeps commands, settings and paths of the template untranslated', () => {
    const code = /(?:[A-Z_]{4,}=[^\s,;:)"]*|\/(?:etc|sys|proc|usr)\/[\w./-]+|dnf install \w+|Limit[A-Z]+=\w*)/g;
    const lost = templates.flatMap((t) => [...t.matchAll(code)].map((m) => m[0]).filter((c) => !bundle[t]?.includes(c)).map((c) => `${c} in "${t}"`));
    assert.deepEqual(lost, []);
  });

  it('renders nested texts, lists and numbers; English by default, zh-cn through the bundle', () => {
    const zh = bundleTranslator(bundle);
    const m = msg('GOMAXPROCS={0} fits the CPU quota of {1} CPUs{2}', 4, '4', msg(' (set on ancestor {0}; Go reads only the leaf cgroup)', '/sys/fs/cgroup/a'));
    assert.equal(render(m), 'GOMAXPROCS=4 fits the CPU quota of 4 CPUs (set on ancestor /sys/fs/cgroup/a; Go reads only the leaf cgroup)');
    const out = render(m, zh);
    assert.notEqual(out, render(m));
    assert.match(out, /GOMAXPROCS=4/);
    assert.match(out, /\/sys\/fs\/cgroup\/a/);
    assert.equal(render(list([msg('missing'), 'x', 3])), 'missing; x; 3');
    assert.equal(render(list([msg('missing'), 'x']), zh), `${bundle.missing}${bundle['{0}; {1}'].replace('{0}', '').replace('{1}', '')}x`);
    assert.equal(render(list([])), '');
    assert.equal(english('{1}-{0}', ['a', 'b']), 'b-a');
  });

  it('a translation with other placeholders than its template falls back to English', () => {
    const t = bundleTranslator({ 'a {0}': 'b', 'c {0}': 'd {0}' });
    assert.equal(render(msg('a {0}', 1), t), 'a 1');
    assert.equal(render(msg('c {0}', 1), t), 'd 1');
  });

  it('a whole report renders in zh-cn: titles, fixes and notes differ from English, data stays', () => {
    const text = fs.readFileSync(path.join(root, 'test/fixtures/doctor/anolis8-cgroupv2.txt'), 'utf8');
    const ev = parseDoctorOutput(text);
    const binary = { goVersion: 'go1.24.3', settings: {}, deps: [], hasDwarf: true, hasSymtab: true, glibcNeeds: [] };
    const input = { ev, pid: 4242, env: new Map<string, string>(), binary, windowSec: 2 };
    const en = judge(input);
    const zh = judge(input, bundleTranslator(bundle));
    assert.equal(zh.length, en.length);
    for (const [i, f] of zh.entries()) {
      assert.equal(f.id, en[i].id);
      assert.equal(f.severity, en[i].severity);
      assert.notEqual(f.title, en[i].title, `${f.id} title untranslated`);
      assert.match(f.title, /[\u4e00-\u9fff]/, `${f.id}: ${f.title}`);
      if (en[i].fix) assert.match(f.fix!, /[\u4e00-\u9fff]/, `${f.id} fix: ${f.fix}`);
      const paths = (fs: typeof f) => fs.evidence.map((e) => e.source).filter((s) => s.startsWith('/')).map((s) => s.split(/[\s（]/)[0]);
      assert.deepEqual(paths(f), paths(en[i]), `${f.id}: the files read stay as they are`);
    }
    const gmp = zh.find((f) => f.id === 'gomaxprocs-cpu-quota')!;
    assert.match(gmp.fix!, /GOMAXPROCS=2/);
    assert.match(gmp.fix!, /Environment=GOMAXPROCS=2/);
    assert.equal(hostSummary(ev, 4242).cgroup, 'v2');
  });
});
