// dlv helpers: the listening line, variable rendering (strings, slices, maps, pointers), paging and grouping.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sourceResolver, toLocalPath } from '../../src/adapter/attachArgs';
import type { BackendFrame, DebugBackend, GoroutineSummary } from '../../src/core/debug/backend';
import { Kind, type DlvVariable } from '../../src/core/debug/dlv/api';
import { convertVariable } from '../../src/core/debug/dlv/variables';
import { parseListeningLine } from '../../src/core/debug/dlv/watchdog';
import { goroutineName, groupByStack, listAllGoroutines, orderForDisplay } from '../../src/core/debug/goroutineList';

function v(p: Partial<DlvVariable>): DlvVariable {
  return { name: '', addr: 0, onlyAddr: false, type: '', realType: '', kind: 0, value: '', len: 0, cap: 0, children: null, base: 0, unreadable: '', flags: 0, ...p };
}
const str = (value: string, name = '') => v({ name, type: 'string', kind: Kind.String, value, len: Buffer.byteLength(value) });

describe('dlv backend helpers', () => {
  it('parses the API server line: a private Unix socket, never a TCP address', () => {
    assert.equal(parseListeningLine('API server listening at: /tmp/anole-dlv.AbC123/dlv.sock\n'), '/tmp/anole-dlv.AbC123/dlv.sock');
    assert.equal(parseListeningLine('API server listening at: /home/my user/tmp/anole-dlv.x/dlv.sock\n'), '/home/my user/tmp/anole-dlv.x/dlv.sock');
    assert.equal(parseListeningLine('API server listening at: 127.0.0.1:40123\n'), undefined);
    assert.equal(parseListeningLine('API server listening at: [::1]:5\n'), undefined);
    assert.equal(parseListeningLine('could not attach to pid 1: operation not permitted'), undefined);
  });

  it('renders strings quoted, with the full length when cut', () => {
    assert.equal(convertVariable(str('a"b', 's')).value, '"a\\"b"');
    assert.equal(convertVariable(v({ kind: Kind.String, type: 'string', value: 'abc', len: 10 })).value, '"abc"… (10 bytes)');
  });

  it('renders slices with len/cap and indexed children, and re-reads them by address', () => {
    const s = convertVariable(v({ name: 'args', type: '[]string', kind: Kind.Slice, len: 2, cap: 4, base: 0xc000, addr: 0x1000, children: [str('x'), str('y')] }));
    assert.equal(s.value, '[]string len: 2, cap: 4');
    assert.deepEqual(s.children!.map((c) => [c.name, c.value]), [['[0]', '"x"'], ['[1]', '"y"']]);
    assert.equal(s.ref, '*(*"[]string")(0x1000)');
    assert.equal(convertVariable(v({ type: '[]int', kind: Kind.Slice })).value, '[]int nil');
  });

  it('renders maps as [key] = value entries', () => {
    const m = convertVariable(v({ name: 'm', type: 'map[string]int', kind: Kind.Map, len: 2, base: 1, addr: 8,
      children: [str('a'), v({ type: 'int', kind: Kind.Int, value: '1' }), str('b'), v({ type: 'int', kind: Kind.Int, value: '2' })] }));
    assert.equal(m.value, 'map[string]int len: 2');
    assert.deepEqual(m.children!.map((c) => [c.name, c.value]), [['["a"]', '1'], ['["b"]', '2']]);
  });

  it('shows a struct pointer as its fields, nil pointers and interfaces as nil, unreadable values with the reason', () => {
    const field = v({ name: 'n', type: 'int', kind: Kind.Int, value: '3' });
    const p = convertVariable(v({ name: 'p', type: '*main.T', kind: Kind.Ptr, addr: 0x10, children: [v({ type: 'main.T', kind: Kind.Struct, addr: 0x20, len: 1, children: [field] })] }));
    assert.equal(p.value, '(*main.T) 0x20');
    assert.deepEqual(p.children!.map((c) => c.name), ['n']);
    assert.equal(convertVariable(v({ type: '*main.T', kind: Kind.Ptr, children: [v({ type: 'main.T', kind: Kind.Struct })] })).value, 'nil');
    assert.equal(convertVariable(v({ type: 'error', kind: Kind.Interface, children: [v({})] })).value, 'nil');
    assert.match(convertVariable(v({ type: 'int', unreadable: 'optimized away' })).value, /unreadable: optimized away/);
  });

  it('maps remote paths to local ones like vscode-go (from = local, to = remote)', () => {
    assert.equal(toLocalPath('/build/src/a.go', [{ from: '/home/me/src', to: '/build/src' }]), '/home/me/src/a.go');
    assert.equal(toLocalPath('/other/a.go', [{ from: '/home/me/src', to: '/build/src' }]), '/other/a.go');
  });

  it('maps frames to the workspace by its go.mod when substitutePath is absent', () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-ws-'));
    try {
      fs.mkdirSync(path.join(ws, 'internal', 'store'), { recursive: true });
      fs.writeFileSync(path.join(ws, 'go.mod'), 'module example.com/orders\n\ngo 1.22\n');
      fs.writeFileSync(path.join(ws, 'internal', 'store', 'db.go'), 'package store\n');
      const local = path.join(ws, 'internal', 'store', 'db.go');
      const resolve = sourceResolver({ cwd: ws });
      assert.equal(resolve('example.com/orders/internal/store/db.go'), local, '-trimpath module path');
      assert.equal(resolve('/builds/ci-42/orders/internal/store/db.go'), local, 'the CI machine\'s checkout');
      assert.equal(resolve('/usr/local/go/src/runtime/proc.go'), '/usr/local/go/src/runtime/proc.go', 'the standard library stays as recorded');
      // An explicit substitutePath wins over the automatic mapping.
      assert.equal(sourceResolver({ cwd: ws, substitutePath: [{ from: '/mine', to: '/builds/ci-42' }] })('/builds/ci-42/orders/x.go'), '/mine/orders/x.go');
      assert.equal(sourceResolver({})('/builds/a.go'), '/builds/a.go');
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });

  describe('goroutine listing', () => {
    const loc = (fn: string, line = 1) => ({ function: fn, file: fn.startsWith('runtime') ? '/go/src/runtime/proc.go' : '/src/main.go', line, pc: line });
    const gs: GoroutineSummary[] = [
      { id: 1, state: 'running', current: loc('runtime.gopark') },
      ...Array.from({ length: 5 }, (_, i) => ({ id: 10 + i, state: 'chan receive', current: loc('runtime.gopark', 9), user: loc('main.leaky', 78), goStatement: loc('main.start', 70) })),
      { id: 3, state: 'select', current: loc('runtime.gopark', 9), user: loc('main.serve', 12) },
    ];
    const fake = (pages: number[]): DebugBackend & { stacks: number } => {
      const b = {
        stacks: 0,
        async listGoroutines({ start, count }: { start: number; count: number }) {
          pages.push(start);
          const slice = gs.slice(start, start + count);
          return { goroutines: slice, next: start + count < gs.length ? start + count : -1 };
        },
        async stacktrace(id: number): Promise<BackendFrame[]> {
          b.stacks++;
          const g = gs.find((x) => x.id === id)!;
          return [{ ...g.current, index: 0 }, ...(g.user ? [{ ...g.user, index: 1 }] : [])];
        },
      };
      return b as unknown as DebugBackend & { stacks: number };
    };

    it('reads every page, and orders user goroutines first', async () => {
      const pages: number[] = [];
      const all = await listAllGoroutines(fake(pages), undefined, 3);
      assert.deepEqual(pages, [0, 3, 6]);
      assert.equal(all.length, gs.length);
      const names = orderForDisplay(all).map(goroutineName);
      assert.deepEqual(names.slice(0, 2), ['#3 main.serve · select', '#10 main.leaky · chan receive']);
      assert.equal(names[names.length - 1], '#1 runtime.gopark · running');
    });

    it('groups by stack reading one stack per bucket', async () => {
      const b = fake([]);
      const grouped = await groupByStack(b, { pageSize: 2 });
      assert.equal(b.stacks, 3);
      assert.equal(grouped.total, 7);
      assert.equal(grouped.groups[0].count, 5);
      assert.deepEqual(grouped.groups[0].frames.map((f) => `${f.function}:${f.line}`), ['runtime.gopark:9', 'main.leaky:78']);
      assert.deepEqual(grouped.groups[0].createdBy, { function: 'main.start', file: '/src/main.go', line: 70 });
    });
  });
});
