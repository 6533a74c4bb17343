// The goroutine dump grammar: its vscode-tmgrammar-test suite, its shape, and its scopes on real dumps.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeGoroutineDump } from '../../src/core/goroutines';
import { renderGroupedReport, renderRawDump, type RenderedDump } from '../../src/core/goroutines/document';

const ROOT = path.resolve(__dirname, '../..');
const GRAMMAR = 'syntaxes/goroutines.tmLanguage.json';
const SCOPE = 'source.go-goroutines';
const DUMPS = path.join(ROOT, 'test/fixtures/dumps');

interface Run {
  code: number;
  output: string;
}

/** `vscode-tmgrammar-test -g <grammar> <globs...>` from the repository root (its bin, run by this node). */
function grammarTest(...globs: string[]): Promise<Run> {
  const pkgPath = require.resolve('vscode-tmgrammar-test/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> };
  const bin = path.join(path.dirname(pkgPath), pkg.bin['vscode-tmgrammar-test']);
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, '-g', GRAMMAR, ...globs], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Which test files the tool reported as passed. */
function passed(output: string): string[] {
  return [...output.matchAll(/✓ (\S+) run successfuly/g)].map((m) => m[1]);
}

/**
 * A syntax test of a rendered dump: each line, then assertions that its paths are paths (at the
 * columns the link index gives), its group headers headings and its goroutine headers headers.
 */
function syntaxTestOf(doc: RenderedDump, title: string): string {
  const byLine = new Map<number, RenderedDump['locations']>();
  for (const l of doc.locations) byLine.set(l.line, [...(byLine.get(l.line) ?? []), l]);
  const out = [`// SYNTAX TEST "${SCOPE}" "${title}"`];
  doc.text.split(/\r?\n/).forEach((line, i) => {
    out.push(line);
    for (const l of byLine.get(i) ?? []) {
      const len = l.end - l.start;
      out.push(l.start < 2 ? `// <${'~'.repeat(l.start)}${'-'.repeat(len)} string.unquoted.path.go-goroutines` : `//${' '.repeat(l.start - 2)}${'^'.repeat(len)} string.unquoted.path.go-goroutines`);
      out.push(`//${' '.repeat(l.end - 2)}^ punctuation.separator.line.go-goroutines`);
    }
    if (/^# \d+ goroutines? · /.test(line)) out.push('// <- markup.heading.group.go-goroutines punctuation.definition.heading.go-goroutines');
    if (/^goroutine \d+ .*\[/.test(line)) out.push('// <--------- meta.goroutine.header.go-goroutines keyword.other.goroutine.go-goroutines');
    if (/^created by /.test(line)) out.push('// <---------- keyword.other.created-by.go-goroutines');
  });
  return out.join('\n');
}

describe('goroutine grammar', function () {
  this.timeout(60_000);

  it('passes its vscode-tmgrammar-test suite (test/grammar/*.goroutines)', async () => {
    const files = fs.readdirSync(path.join(ROOT, 'test/grammar')).filter((f) => f.endsWith('.goroutines'));
    assert.ok(files.length >= 1, 'expected grammar test files in test/grammar');
    const run = await grammarTest('test/grammar/*.goroutines');
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(passed(run.output).sort(), files.map((f) => `test/grammar/${f}`).sort(), run.output);
  });

  it('fails a wrong assertion (so the suite above can fail)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-grammar-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'wrong.goroutines'),
        `// SYNTAX TEST "${SCOPE}" "deliberately wrong"\ngoroutine 1 [running]:\n//          ^^^^^^^ entity.name.function.go-goroutines\n`,
      );
      const run = await grammarTest(path.join(dir, '*.goroutines'));
      assert.notEqual(run.code, 0, run.output);
      assert.match(run.output, /missing required scopes: entity\.name\.function\.go-goroutines/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scopes the paths the link index finds, and the headers, in real and grouped dumps', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-grammar-'));
    try {
      const docs: Array<[string, RenderedDump]> = [];
      for (const rel of ['go1.26/goroutines.debug2.txt', 'go1.19/panic-system.txt', 'go1.26/goroutines.debug1.txt', 'edge/minutes.txt']) {
        const bytes = fs.readFileSync(path.join(DUMPS, rel));
        docs.push([`raw ${rel}`, renderRawDump(bytes)], [`grouped ${rel}`, renderGroupedReport(analyzeGoroutineDump(bytes))]);
      }
      docs.forEach(([title, doc], i) => fs.writeFileSync(path.join(dir, `dump${i}.goroutines`), syntaxTestOf(doc, title)));
      const run = await grammarTest(path.join(dir, '*.goroutines'));
      assert.equal(run.code, 0, run.output.slice(0, 4000));
      assert.equal(passed(run.output).length, docs.length, run.output.slice(0, 4000));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is well formed: every include resolves and every scope is ours', () => {
    const g = JSON.parse(fs.readFileSync(path.join(ROOT, GRAMMAR), 'utf8')) as { scopeName: string; patterns: unknown[]; repository: Record<string, unknown> };
    assert.equal(g.scopeName, SCOPE);
    const problems: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`));
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        if (k === 'include' && typeof v === 'string' && v.startsWith('#') && !(v.slice(1) in g.repository)) problems.push(`${where}: ${v} is not in the repository`);
        if (k === 'name' && typeof v === 'string' && !v.endsWith('.go-goroutines') && where !== '$') problems.push(`${where}: scope ${v}`);
        if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') {
          try {
            new RegExp(v);
          } catch (e) {
            problems.push(`${where}.${k}: ${(e as Error).message}`);
          }
        }
        walk(v, `${where}.${k}`);
      }
    };
    walk(g.patterns, '$.patterns');
    walk(g.repository, '$.repository');
    assert.deepEqual(problems, []);
  });

  it('is what package.json contributes for the go-goroutines language, once contributed', function () {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      contributes?: { grammars?: Array<{ language?: string; scopeName: string; path: string }>; languages?: Array<{ id: string; extensions?: string[] }> };
    };
    const grammar = pkg.contributes?.grammars?.find((x) => x.scopeName === SCOPE);
    if (!grammar) this.skip();
    assert.equal(path.normalize(grammar.path), path.normalize(`./${GRAMMAR}`));
    assert.equal(grammar.language, 'go-goroutines');
    const lang = pkg.contributes?.languages?.find((l) => l.id === 'go-goroutines');
    assert.ok(lang?.extensions?.includes('.goroutines'), 'the language claims .goroutines files');
  });
});
