// Fleet helpers: replica shares and outliers, build differences, descriptions, selectors, Host patterns.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnoleError } from '../../src/core/errors';
import { expandHostPatterns } from '../../src/core/ssh/hostAliases';
import { differenceWarning, fleetDescription, formatRatio, replicaShares } from '../../src/core/sources/fleetReport';
import { checkFleetSpec } from '../../src/core/sources/fleetReplicas';
import { parseFleetKind, replicaFilter } from '../../src/core/sources/sshFleet';

describe('fleet report', () => {
  it('gives each replica its share and flags one at 3× the others\' median', () => {
    const s = replicaShares([{ name: 'a', total: 10 }, { name: 'b', total: 12 }, { name: 'c', total: 8 }, { name: 'd', total: 30 }]);
    assert.deepEqual(s.map((x) => x.outlier), [false, false, false, true]);
    assert.equal(s[3].ratio, 3);
    assert.equal(s[3].share, 0.5);
    assert.equal(formatRatio(s[3].ratio), '3.0×');
    // 2.9× is not an outlier; 2.96× prints as 3.0× and is.
    assert.equal(replicaShares([{ name: 'a', total: 100 }, { name: 'b', total: 290 }])[1].outlier, false);
    assert.equal(replicaShares([{ name: 'a', total: 100 }, { name: 'b', total: 296 }])[1].outlier, true);
    // A busy replica among idle ones.
    const idle = replicaShares([{ name: 'a', total: 0 }, { name: 'b', total: 0 }, { name: 'c', total: 5 }]);
    assert.equal(idle[2].outlier, true);
    assert.equal(formatRatio(idle[2].ratio), '∞×');
    assert.deepEqual(replicaShares([{ name: 'solo', total: 5 }]).map((x) => x.outlier), [false]);
  });

  it('warns only when replicas differ, naming which runs what', () => {
    assert.equal(differenceWarning('Go version', [{ name: 'a', value: 'go1.22' }, { name: 'b', value: 'go1.22' }, { name: 'c' }]), undefined);
    assert.equal(
      differenceWarning('Go version', [{ name: 'a', value: 'go1.22' }, { name: 'b', value: 'go1.23' }, { name: 'c', value: 'go1.22' }]),
      'the replicas run different Go versions: go1.22 on a, c; go1.23 on b (lines may not match the same source everywhere)',
    );
  });

  it('describes what a merged profile covers', () => {
    assert.equal(fleetDescription(7, 8, 30), '7 of 8 replicas, 30 s');
    assert.equal(fleetDescription(8, 8, 0), '8 replicas');
    assert.equal(fleetDescription(1, 1, 5), '1 replica, 5 s');
  });

  it('parses replica selectors and refuses others', () => {
    assert.equal(replicaFilter('')('x'), true);
    assert.equal(replicaFilter('{replica="api-1"}')('api-1'), true);
    assert.equal(replicaFilter('{replica="api-1"}')('api-10'), false);
    assert.equal(replicaFilter('{replica=~"api-[12]"}')('api-2'), true);
    assert.equal(replicaFilter('{replica!~"api-[12]"}')('api-2'), false);
    assert.throws(() => replicaFilter('{service_name="api"}'), (e: unknown) => e instanceof AnoleError && /only a replica selector/.test(e.message));
    assert.throws(() => parseFleetKind('trace'), (e: unknown) => e instanceof AnoleError && /cannot be profiled for 'trace'/.test(e.message));
    assert.throws(() => checkFleetSpec({ hosts: ['a'] }), (e: unknown) => e instanceof AnoleError && /process name or the pprof URL/.test(e.message));
  });

  it('expands ssh config Host patterns to the aliases they match', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-hosts-'));
    try {
      const file = path.join(dir, 'config');
      fs.writeFileSync(file, 'Host api-1 api-2\n  User x\nHost api-canary\n  User y\nHost db-1\n  User z\nHost *\n  Port 22\n');
      assert.deepEqual(await expandHostPatterns(['api-*'], file, dir), ['api-1', 'api-2', 'api-canary']);
      assert.deepEqual(await expandHostPatterns(['api-* !api-canary', 'db-1', 'api-1'], file, dir), ['api-1', 'api-2', 'db-1']);
      assert.deepEqual(await expandHostPatterns(['deploy@10.0.0.5:2222'], file, dir), ['deploy@10.0.0.5:2222']);
      await assert.rejects(expandHostPatterns(['web-*'], file, dir), (e: unknown) => e instanceof AnoleError && /matches 'web-\*' \(aliases: api-1, api-2, api-canary, db-1\)/.test(e.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
