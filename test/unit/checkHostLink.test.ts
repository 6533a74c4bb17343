// A debug attach refused by preflight links to Check Host: the DAP error's command: URI names the host and pid, its label is translated.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHECK_HOST_COMMAND, checkHostLink } from '../../src/adapter/checkHostLink';
import { attachBackend } from '../../src/core/debug/attach';
import { bundleTranslator } from '../../src/core/doctor/msg';
import { AnoleError } from '../../src/core/errors';
import { loadTranslator, localeCandidates } from '../../src/core/l10nBundle';
import { LocalHost } from '../../src/core/remote/localHost';
import { Commands } from '../../src/extension/commands';

const root = path.resolve(__dirname, '../..');
const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n/bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;

/** A pid no process has (the kernel's pid_max is at most 2^22). */
const NO_PID = 2 ** 22 + 7;

function commandArgs(url: string): unknown {
  const m = /^command:([\w.]+)\?(.*)$/.exec(url);
  assert.ok(m, url);
  assert.equal(m[1], CHECK_HOST_COMMAND);
  return JSON.parse(decodeURIComponent(m[2]));
}

describe('Check Host link of a refused attach', () => {
  it('names the command the extension registers and package.json contributes', () => {
    assert.equal(CHECK_HOST_COMMAND, Commands.checkHost);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    assert.ok(pkg.contributes.commands.some((c) => c.command === CHECK_HOST_COMMAND));
  });

  it('a real preflight refusal (a process that does not exist) carries the pid; the link runs Check Host on host and pid', async () => {
    const err = await attachBackend(new LocalHost(), NO_PID, 'auto').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AnoleError, String(err));
    assert.match(err.message, new RegExp(`^Cannot attach to process ${NO_PID}:\\n• process ${NO_PID} does not exist`));
    const link = checkHostLink(err, 'prod-api', undefined);
    assert.equal(link.urlLabel, 'Check Host');
    assert.deepEqual(commandArgs(link.url!), [{ host: 'prod-api', pid: NO_PID }]);
  });

  it('host names with spaces, @, : and quotes survive the URI', () => {
    const e = new AnoleError('REMOTE_COMMAND', 'x', undefined, { preflightPid: 9 });
    const host = 'ops user@10.0.0.1:2222 "a"&b?c#d';
    assert.deepEqual(commandArgs(checkHostLink(e, host).url!), [{ host, pid: 9 }]);
  });

  it('other errors and attaches without a host get no link', () => {
    assert.deepEqual(checkHostLink(new AnoleError('SSH_CONNECT', 'refused'), 'h'), {});
    assert.deepEqual(checkHostLink(new Error('boom'), 'h'), {});
    assert.deepEqual(checkHostLink(new AnoleError('REMOTE_COMMAND', 'x', undefined, { preflightPid: 9 }), undefined), {});
  });

  it('in zh-cn the refusal, its hint and the label are Chinese (the client sends its locale in initialize)', async () => {
    const zh = loadTranslator([path.join(root, 'l10n')], 'zh-cn');
    const err = await attachBackend(new LocalHost(), NO_PID, 'auto', { translate: zh }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AnoleError);
    assert.match(err.message, new RegExp(`^无法附加到进程 ${NO_PID}：\\n• 主机上不存在进程 ${NO_PID}`));
    assert.match(err.hint!, new RegExp(`^含证据的完整报告：Anole: 检查主机，或 anole doctor .+ --pid ${NO_PID}$`));
    assert.equal(checkHostLink(err, 'h', bundleTranslator(bundle)).urlLabel, '检查主机');
  });

  it('maps locales to bundles; English, C and unknown locales render English', () => {
    assert.deepEqual(localeCandidates('zh_CN.UTF-8'), ['zh-cn', 'zh']);
    assert.deepEqual(localeCandidates('zh-CN'), ['zh-cn', 'zh']);
    assert.deepEqual(localeCandidates('en-US'), []);
    assert.deepEqual(localeCandidates('C.UTF-8'), []);
    assert.deepEqual(localeCandidates(undefined), []);
    const dirs = [path.join(os.tmpdir(), 'no-such-anole-l10n'), path.join(root, 'l10n')];
    assert.equal(loadTranslator(dirs, 'de-DE')('Check Host', []), 'Check Host');
    assert.equal(loadTranslator(dirs, 'zh_CN.UTF-8')('Check Host', []), '检查主机');
  });
});
