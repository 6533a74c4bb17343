// The launch configuration pickers ask one question each per debug start, in either order.
import assert from 'node:assert/strict';
import { AttachPicks, type HostChoice } from '../../src/extension/attachPicks';
import { importedModules } from '../support/layering';
import * as fs from 'node:fs';
import * as path from 'node:path';

const HOST_VAR = '${command:anole.pickRemoteHost}';

/** Answers the questions and records them. */
function questions(host: HostChoice | undefined, pid: number | undefined) {
  const asked: string[] = [];
  return {
    asked,
    ask: {
      host: async () => { asked.push('host'); return host; },
      process: async (h: string, name?: string) => { asked.push(`process on ${h}${name ? ` named ${name}` : ''}`); return pid; },
    },
  };
}

describe('launch configuration pickers (anole.pickRemoteHost / anole.pickRemoteProcess)', () => {
  it('is vscode-free', () => {
    const src = fs.readFileSync(path.join(__dirname, '../../src/extension/attachPicks.ts'), 'utf8');
    assert.ok(!importedModules(src).includes('vscode'));
  });

  it('host then process (the generated configuration): the host once, then the process on that host', async () => {
    const q = questions({ host: 'api-1' }, 4242);
    const picks = new AttachPicks(q.ask);
    picks.begin();
    assert.equal(await picks.host(), 'api-1');
    assert.equal(await picks.processId({ host: HOST_VAR }), '4242');
    assert.deepEqual(q.asked, ['host', 'process on api-1']);
  });

  it('process listed before host: the process picker asks the host, and the host picker reuses it', async () => {
    const q = questions({ host: 'api-2' }, 7);
    const picks = new AttachPicks(q.ask);
    picks.begin();
    assert.equal(await picks.processId({ host: HOST_VAR }), '7');
    assert.equal(await picks.host(), 'api-2');
    assert.deepEqual(q.asked, ['host', 'process on api-2']);
  });

  it('a fixed host in the configuration: only the process is asked', async () => {
    const q = questions({ host: 'unused' }, 9);
    const picks = new AttachPicks(q.ask);
    picks.begin();
    assert.equal(await picks.processId({ host: 'me@db-1:2222' }), '9');
    assert.deepEqual(q.asked, ['process on me@db-1:2222']);
  });

  it('a configured target with a pid or a process name: no process list, or the name picks it', async () => {
    const withPid = questions({ host: 'api-3', pid: 55 }, undefined);
    let picks = new AttachPicks(withPid.ask);
    picks.begin();
    assert.equal(await picks.host(), 'api-3');
    assert.equal(await picks.processId({ host: HOST_VAR }), '55');
    assert.deepEqual(withPid.asked, ['host']);
    const named = questions({ host: 'api-4', processName: 'billing' }, 66);
    picks = new AttachPicks(named.ask);
    picks.begin();
    await picks.host();
    assert.equal(await picks.processId({ host: HOST_VAR }), '66');
    assert.deepEqual(named.asked, ['host', 'process on api-4 named billing']);
  });

  it('each debug start asks again; a cancelled host cancels the process too', async () => {
    const q = questions({ host: 'api-1' }, 1);
    const picks = new AttachPicks(q.ask);
    picks.begin();
    await picks.host();
    await picks.processId({ host: HOST_VAR });
    picks.begin();
    await picks.host();
    assert.deepEqual(q.asked, ['host', 'process on api-1', 'host']);
    const none = questions(undefined, 1);
    const cancelled = new AttachPicks(none.ask);
    cancelled.begin();
    assert.equal(await cancelled.host(), undefined);
    assert.equal(await cancelled.processId({ host: HOST_VAR }), undefined);
    assert.deepEqual(none.asked, ['host']);
  });
});
