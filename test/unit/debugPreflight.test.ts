// Preflight of a debugger attach: parsing the host's facts and the findings (with fixes) they lead to.
import assert from 'node:assert/strict';
import { assessPreflight, parsePreflightFacts, sectionsHaveDwarf, type PreflightFacts } from '../../src/core/debug/preflight';

const clean: PreflightFacts = { ptraceScope: 0, tracerPid: 0, uid: 1000, targetUid: 1000, dlv: '/usr/bin/dlv', gdb: '/usr/bin/gdb' };
const errors = (f: PreflightFacts, backend: 'dlv' | 'gdb' | 'auto' = 'dlv', dwarf?: boolean) =>
  assessPreflight(f, 42, backend, dwarf).filter((x) => x.severity === 'error');

describe('debug preflight', () => {
  it('parses the facts the script prints (Anolis with SELinux)', () => {
    const f = parsePreflightFacts([
      'ptrace_scope=1', 'deny_ptrace=deny_ptrace --> on', 'uid=1000', 'tracer_pid=0', 'target_uid=995',
      'dlv=/root/go/bin/dlv', 'gdb=',
    ].join('\n'));
    assert.deepEqual(f, { ptraceScope: 1, denyPtrace: true, uid: 1000, tracerPid: 0, targetUid: 995, dlv: '/root/go/bin/dlv', gdb: undefined, tracerName: undefined });
  });

  it('leaves unknowns undefined: no Yama, no getsebool, SELinux disabled, process gone', () => {
    const f = parsePreflightFacts('ptrace_scope=\nuid=0\ndlv=\ngdb=/usr/bin/gdb\n');
    assert.equal(f.ptraceScope, undefined);
    assert.equal(f.denyPtrace, undefined);
    assert.equal(f.tracerPid, undefined);
    assert.equal(parsePreflightFacts('deny_ptrace=\n').denyPtrace, undefined); // getsebool: "SELinux is disabled"
    assert.equal(parsePreflightFacts('deny_ptrace=deny_ptrace --> off').denyPtrace, false);
  });

  it('finds nothing on a host that allows the attach', () => {
    assert.deepEqual(assessPreflight(clean, 42, 'dlv', true), []);
  });

  it('explains ptrace_scope with the sysctl fix; root passes scope 1 and 2, nobody passes 3', () => {
    const [e] = errors({ ...clean, ptraceScope: 1 });
    assert.match(e.message, /ptrace_scope is 1/);
    assert.match(e.fix!, /sudo sysctl kernel\.yama\.ptrace_scope=0/);
    assert.equal(errors({ ...clean, ptraceScope: 2 }).length, 1);
    assert.deepEqual(errors({ ...clean, uid: 0, targetUid: 0, ptraceScope: 1 }), []);
    assert.deepEqual(errors({ ...clean, uid: 0, targetUid: 0, ptraceScope: 2 }), []);
    assert.match(errors({ ...clean, uid: 0, ptraceScope: 3 })[0].fix!, /reboot/);
  });

  it('explains deny_ptrace with the setsebool fix', () => {
    const [e] = errors({ ...clean, uid: 0, denyPtrace: true });
    assert.match(e.message, /deny_ptrace is on/);
    assert.match(e.fix!, /sudo setsebool deny_ptrace off/);
  });

  it('names the tracer that already holds the process', () => {
    const [e] = errors({ ...clean, tracerPid: 777, tracerName: 'dlv' });
    assert.match(e.message, /already being traced by dlv \(PID 777\)/);
  });

  it('reports a process that is gone, and one of another user', () => {
    assert.match(errors({ ...clean, tracerPid: undefined })[0].message, /does not exist/);
    assert.match(errors({ ...clean, targetUid: 0 })[0].message, /runs as uid 0/);
  });

  it('asks for dnf install when the debugger is missing; auto falls back to gdb with a warning', () => {
    assert.match(errors({ ...clean, dlv: undefined })[0].fix!, /sudo dnf install delve/);
    assert.match(errors({ ...clean, gdb: undefined }, 'gdb')[0].fix!, /sudo dnf install gdb/);
    assert.deepEqual(errors({ ...clean, dlv: undefined }, 'auto'), []);
    assert.equal(assessPreflight({ ...clean, dlv: undefined }, 42, 'auto')[0].severity, 'warning');
    assert.match(errors({ ...clean, dlv: undefined, gdb: undefined }, 'auto')[0].message, /neither dlv nor gdb/);
  });

  it('refuses a binary without DWARF', () => {
    assert.match(errors(clean, 'dlv', false)[0].message, /no DWARF/);
    assert.equal(sectionsHaveDwarf(['.text', '.zdebug_info']), true);
    assert.equal(sectionsHaveDwarf(['.text', '.debug_info']), true);
    assert.equal(sectionsHaveDwarf(['.text', '.gopclntab', '.debug_line']), false);
  });
});
