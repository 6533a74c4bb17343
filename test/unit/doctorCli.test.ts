// The doctor's text report: one line per check, evidence and fix under warnings and errors, the process table without --pid.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { doctorTranslator, renderReport } from '../../src/cli/commands/doctor';
import { english } from '../../src/core/doctor/msg';
import { hostSummary, judge } from '../../src/core/doctor/run';
import { parseDoctorOutput } from '../../src/core/doctor/script';

const text = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'doctor', 'anolis8-cgroupv2.txt'), 'utf8');
const ev = parseDoctorOutput(text);
const binary = { goVersion: 'go1.24.3', settings: {}, deps: [], hasDwarf: true, hasSymtab: true, glibcNeeds: [] };

describe('anole doctor text output', () => {
  it('lists every check and details only the warnings and errors (all with --verbose)', () => {
    const report = { host: hostSummary(ev, 4242), process: { pid: 4242, exe: '/opt/api/bin/api', goVersion: 'go1.24.3' }, findings: judge({ ev, pid: 4242, env: new Map(), binary, windowSec: 2 }) };
    const out = renderReport(report, false);
    assert.match(out, /^host: Anolis OS 8\.8, kernel 5\.10\.134-13\.an8\.x86_64, cgroup v2$/m);
    assert.match(out, /^process: 4242 \/opt\/api\/bin\/api \(go1\.24\.3\)$/m);
    for (const f of report.findings) assert.match(out, new RegExp(`^\\S+\\s+${f.id}\\s`, 'm'));
    assert.match(out, /^ERROR ptrace: /m);
    assert.match(out, /^ {2}\/sys\/fs\/cgroup\/system\.slice\/cpu\.max: 150000 100000 → 1\.5 CPUs$/m);
    assert.match(out, /^ {2}fix: set GOMAXPROCS=2 /m);
    assert.doesNotMatch(out, /^ok glibc-cgo:/m);
    assert.match(renderReport(report, true), /^ok glibc-cgo: static binary/m);
  });

  it('without a pid, tables the Go processes with their worst finding; escapes control characters', () => {
    const report = {
      host: hostSummary(ev), process: null, findings: judge({ ev, windowSec: 0 }),
      processes: [{ pid: 7, exe: '/srv/a\nb', goVersion: 'go1.26.8', worst: 'warning' as const, finding: { id: 'nofile' as const, title: 'hard open-files limit is 4096' } }],
    };
    const out = renderReport(report, false);
    assert.match(out, /^\s*7\s+go1\.26\.8\s+WARN\s+nofile: hard open-files limit is 4096\s+\/srv\/a\\x0ab$/m);
    assert.match(out, /details: anole doctor HOST --pid PID/);
  });

  it('speaks zh-cn with --lang zh-cn or LANG=zh_CN.UTF-8 (text only; --json stays English unless --lang), refuses an unknown --lang', () => {
    const input = { ev, pid: 4242, env: new Map<string, string>(), binary, windowSec: 2 };
    const zh = doctorTranslator('zh-cn', false, {});
    const report = { host: hostSummary(ev, 4242), process: { pid: 4242, exe: '/opt/api/bin/api', goVersion: 'go1.24.3' }, findings: judge(input, zh) };
    const out = renderReport(report, false);
    assert.match(out, /^ {2}fix: 在服务的环境变量中设置 GOMAXPROCS=2（systemd：Environment=GOMAXPROCS=2）/m);
    assert.match(out, /^ERROR ptrace: kernel\.yama\.ptrace_scope 为 1：调试器只能附加到自己的子进程/m);
    assert.equal(doctorTranslator(undefined, false, { LANG: 'zh_CN.UTF-8' })('Check Host', []), '检查主机');
    assert.equal(doctorTranslator(undefined, false, { LANG: 'C.UTF-8' }), english);
    assert.equal(doctorTranslator(undefined, true, { LANG: 'zh_CN.UTF-8' }), english);
    assert.equal(doctorTranslator('zh-CN', true, {})('Check Host', []), '检查主机');
    assert.equal(doctorTranslator('en', false, { LANG: 'zh_CN.UTF-8' }), english);
    assert.throws(() => doctorTranslator('fr', false, {}), /--lang fr: no translation/);
  });
});
