// The gdb/MI parser and command writer, on MI output recorded from gdb 13 attached to hotsvc (Go 1.26 and 1.19).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scriptJson, toSummary } from '../../src/core/debug/gdb/gdbBackend';
import { parseGdbScriptsSection, conventionalGoroots } from '../../src/core/debug/gdb/goroot';
import { MiCommandError, MiConnection, MiLineSplitter, miQuote, parseMiLine, type MiRecord, type MiTuple } from '../../src/core/debug/gdb/mi';
import { gdbArgs, parseSetupOutput } from '../../src/core/debug/gdb/watchdog';

const FIXTURES = path.resolve(__dirname, '../fixtures/gdb');
const SESSIONS = ['session-go1.26.mi', 'session-go1.19.mi'];

function records(file: string): MiRecord[] {
  return new MiLineSplitter().push(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
}

describe('gdb/MI parser', () => {
  it('parses results with tokens, tuples, lists of results and C escapes', () => {
    const r = parseMiLine('8^done,stack=[frame={level="0",func="main.f",line="7"},frame={level="1",func="main.g"}],x="a\\tb\\"c\\\\"');
    assert.equal(r.type, 'result');
    if (r.type !== 'result') return;
    assert.equal(r.token, 8);
    assert.equal(r.cls, 'done');
    assert.deepEqual(r.results.stack, [{ frame: { level: '0', func: 'main.f', line: '7' } }, { frame: { level: '1', func: 'main.g' } }]);
    assert.equal(r.results.x, 'a\tb"c\\');
  });

  it('decodes octal escapes as UTF-8 bytes and keeps empty lists and tuples', () => {
    assert.deepEqual(parseMiLine('~"caf\\303\\251 \\342\\234\\223\\n"'), { type: 'console', text: 'café ✓\n' });
    const r = parseMiLine('*stopped,frame={args=[],x={}},thread-id="1"');
    assert.deepEqual(r, { type: 'exec', token: undefined, cls: 'stopped', results: { frame: { args: [], x: {} }, 'thread-id': '1' } });
  });

  it('turns a repeated name in a tuple into an array', () => {
    const r = parseMiLine('^done,a="1",a="2",a="3"') as { results: MiTuple };
    assert.deepEqual([...(r.results.a as string[])], ['1', '2', '3']);
  });

  it('reports prompts, streams and unknown lines', () => {
    assert.deepEqual(parseMiLine('(gdb) '), { type: 'prompt' });
    assert.deepEqual(parseMiLine('&"warning\\n"'), { type: 'log', text: 'warning\n' });
    assert.deepEqual(parseMiLine('plain text'), { type: 'unknown', line: 'plain text' });
    assert.deepEqual(new MiLineSplitter().push('^done,x="unterminated\n'), [{ type: 'unknown', line: '^done,x="unterminated' }]);
  });

  it('splits lines across chunks', () => {
    const s = new MiLineSplitter();
    assert.deepEqual(s.push('12^do'), []);
    assert.deepEqual(s.push('ne,a="'), []);
    assert.deepEqual(s.push('1"\r\n(gd'), [{ type: 'result', token: 12, cls: 'done', results: { a: '1' } }]);
    assert.deepEqual(s.push('b) \n'), [{ type: 'prompt' }]);
  });

  it('quotes console commands', () => {
    assert.equal(miQuote('print "a\\b"\n'), '"print \\"a\\\\b\\"\\n"');
    assert.deepEqual(parseMiLine(`~${miQuote('x "y" \\ z\t')}`), { type: 'console', text: 'x "y" \\ z\t' });
  });

  for (const file of SESSIONS) {
    describe(`recorded session ${file}`, () => {
      const all = records(file);

      it('has no unparseable line', () => {
        assert.deepEqual(all.filter((r) => r.type === 'unknown'), []);
      });

      it('reads the attach stop, the stack and the error of a bad goroutine', () => {
        const stop = all.find((r) => r.type === 'exec' && r.cls === 'stopped') as { results: MiTuple };
        assert.equal(stop.results['stopped-threads'], 'all');
        assert.equal((stop.results.frame as MiTuple).func, 'runtime.futex');
        const stack = all.find((r) => r.type === 'result' && r.token === 8) as { results: MiTuple };
        assert.equal(((stack.results.stack as MiTuple[])[1].frame as MiTuple).func, 'runtime.futexsleep');
        const err = all.find((r) => r.type === 'result' && r.token === 7) as { cls: string; results: MiTuple };
        assert.equal(err.cls, 'error');
        assert.equal(err.results.msg, 'no goroutine 999999');
        assert.ok(all.some((r) => r.type === 'log' && r.text === 'Loading Go Runtime support.\n'), 'runtime-gdb.py was loaded');
      });

      it('carries our script JSON in console records', () => {
        const i = all.findIndex((r) => r.type === 'result' && r.token === 6);
        const text = all.slice(0, i).filter((r): r is { type: 'console'; text: string } => r.type === 'console').map((r) => r.text).join('');
        const page = scriptJson<{ goroutines: Array<Parameters<typeof toSummary>[0]>; next: number }>(text);
        assert.equal(page.goroutines.length, 12);
        assert.ok(page.next > 0);
        const g1 = toSummary(page.goroutines[0]);
        assert.equal(g1.id, 1);
        assert.equal(g1.state, 'select');
        assert.equal(g1.current.function, 'runtime.gopark');
        assert.equal(g1.user?.function, 'anole.test/fixtures/internal/fixture.WaitForExit');
      });
    });
  }
});

describe('gdb/MI connection', () => {
  function fake() {
    const written: string[] = [];
    let feed: (s: string) => void = () => undefined;
    const mi = new MiConnection({ write: (t) => written.push(t), onData: (l) => { feed = l; } });
    return { mi, written, feed: (s: string) => feed(s) };
  }

  it('sends one command at a time with tokens and collects its console output', async () => {
    const { mi, written, feed } = fake();
    const a = mi.console('anole-goroutines 0 1 1');
    const b = mi.send('-exec-continue');
    assert.deepEqual(written, ['1-interpreter-exec console "anole-goroutines 0 1 1"\n']);
    feed('~"ANOLE-JSON {\\"x\\":"\n~"1}\\n"\n1^done\n(gdb) \n');
    assert.equal(await a, 'ANOLE-JSON {"x":1}\n');
    assert.deepEqual(written.slice(1), ['2-exec-continue\n']);
    feed('2^running\n*running,thread-id="all"\n');
    assert.equal((await b).cls, 'running');
  });

  it('rejects on ^error, passes async records on, and fails everything once closed', async () => {
    const { mi, feed } = fake();
    const seen: string[] = [];
    mi.onAsync((r) => seen.push(r.cls));
    const p = mi.send('-target-attach 1');
    feed('=thread-group-started,id="i1"\n1^error,msg="ptrace: Operation not permitted."\n');
    await assert.rejects(p, (e: Error) => e instanceof MiCommandError && e.message === 'ptrace: Operation not permitted.');
    assert.deepEqual(seen, ['thread-group-started']);
    const q = mi.send('-exec-interrupt');
    mi.close(new Error('gone'));
    await assert.rejects(q, /gone/);
    await assert.rejects(mi.send('-gdb-exit'), /gone/);
  });
});

describe('gdb helpers', () => {
  it('reads the runtime-gdb.py path of .debug_gdb_scripts', () => {
    const sec = Buffer.concat([Buffer.from([1]), Buffer.from('/usr/local/go/src/runtime/runtime-gdb.py\0'), Buffer.from([1]), Buffer.from('x\0')]);
    assert.deepEqual(parseGdbScriptsSection(sec), ['/usr/local/go/src/runtime/runtime-gdb.py', 'x']);
    assert.deepEqual(conventionalGoroots('go1.19'), ['/usr/lib/go-1.19', '/usr/lib/golang1.19', '/usr/lib/golang', '/usr/local/go']);
  });

  it('parses the setup output and allows runtime-gdb.py only from the GOROOT found', () => {
    const d = parseSetupOutput('dir=/tmp/anole-gdb.abc\ngoroot=/usr/lib/go-1.19\ngoroot_real=/usr/share/go-1.19\n');
    assert.deepEqual(d, { dir: '/tmp/anole-gdb.abc', goroot: '/usr/lib/go-1.19', gorootReal: '/usr/share/go-1.19' });
    assert.deepEqual(gdbArgs(d!), ['--interpreter=mi3', '--nx', '-q', '-iex', 'add-auto-load-safe-path /usr/lib/go-1.19',
      '-iex', 'add-auto-load-safe-path /usr/share/go-1.19', '-iex', 'set auto-load python-scripts on']);
    assert.deepEqual(gdbArgs({ dir: '/tmp/x' }), ['--interpreter=mi3', '--nx', '-q', '-iex', 'set auto-load python-scripts off']);
    assert.equal(parseSetupOutput('nothing'), undefined);
  });
});
