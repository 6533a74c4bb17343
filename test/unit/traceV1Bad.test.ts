// The Go 1.19–1.21 trace reader on bad input: cut traces give partial results with a warning, junk a clear error, mutations never crash.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAnoleError } from '../../src/core/errors';
import { EventKind, type ParseResult, TraceTables } from '../../src/core/trace/model';
import { parseV1Trace, readV1 } from '../../src/core/trace/v1';

const DIR = join(__dirname, '..', 'fixtures', 'traces', 'v1');
const trace = (name: string) => readFileSync(join(DIR, `${name}.trace`));

/** Parses and checks what every result must satisfy: ordered, finite times; counts that add up. */
function parseChecked(data: Uint8Array, what: string): { result: ParseResult; events: number; transitions: number } {
  let events = 0;
  let transitions = 0;
  let last = -Infinity;
  const tables = new TraceTables();
  const result = parseV1Trace(data, tables, {
    event(ev) {
      events++;
      assert.ok(Number.isFinite(ev.time) && ev.time >= last, `${what}: event ${events} time ${ev.time} after ${last}`);
      last = ev.time;
      if (ev.kind === EventKind.StateTransition) transitions++;
      if (ev.stack) tables.stackFrames(ev.stack);
      if (ev.stateStack) tables.stackFrames(ev.stateStack);
    },
  });
  assert.equal(result.events, events, what);
  assert.ok(result.warnings.every((w) => typeof w === 'string' && w.length > 0 && !w.includes('\n')), what);
  return { result, events, transitions };
}

describe('old-format trace reader on bad input', () => {
  it('refuses a file that is not a trace, and an empty file, with a clear error', () => {
    for (const data of [Buffer.from('goroutine 1 [running]:\nmain.main()\n'), Buffer.alloc(0), readFileSync(join(DIR, 'gen', 'main.go'))]) {
      assert.throws(
        () => parseV1Trace(data, new TraceTables(), { event() {} }),
        (e: unknown) => isAnoleError(e) && e.code === 'BAD_INPUT' && /not a Go execution trace/.test(e.message),
      );
    }
  });

  it('refuses a format version it does not read, naming it', () => {
    const data = trace('go1.21');
    for (const v of [10, 22, 26]) {
      assert.throws(
        () => readV1(data, 16, v, new TraceTables(), { event() {} }),
        (e: unknown) => isAnoleError(e) && e.code === 'BAD_INPUT' && e.message.includes(`Go 1.${v}`),
      );
    }
  });

  it('a header alone, or a header and junk, is an empty result with a warning', () => {
    const head = trace('go1.19').subarray(0, 16);
    const { result, events } = parseChecked(head, 'header only');
    assert.equal(events, 0);
    assert.equal(result.complete, false);
    assert.match(result.warnings.join(' '), /no events/);
    const junk = Buffer.concat([head, Buffer.from('this is not a trace body, just some text that follows the header')]);
    const j = parseChecked(junk, 'junk');
    assert.equal(j.result.complete, false);
    assert.match(j.result.warnings[0], /cut or corrupt at byte 16 of \d+ \(unknown event type \d+\)/);
  });

  for (const name of ['go1.19', 'go1.21']) {
    it(`${name}: cut at (nearly) every byte gives a partial result and says where it stopped`, function () {
      this.timeout(120000);
      const data = trace(name);
      const full = parseChecked(data, 'full');
      assert.equal(full.result.complete, true);
      let withEvents = 0;
      const cuts: number[] = [];
      // Every byte at the start and in the footer (strings, stacks, frequency), every 5th in between.
      for (let cut = 16; cut < data.length; cut += cut < 400 || cut > data.length - 800 ? 1 : 5) cuts.push(cut);
      for (const cut of cuts) {
        const what = `${name} cut at ${cut}`;
        const { result, events, transitions } = parseChecked(data.subarray(0, cut), what);
        assert.equal(result.complete, false, what);
        assert.ok(result.warnings.length > 0, what);
        const at = /cut or corrupt at byte (\d+) of (\d+)/.exec(result.warnings.join(' '));
        if (at) {
          assert.equal(Number(at[2]), cut, what);
          assert.ok(Number(at[1]) < cut, what);
        }
        assert.ok(events <= full.events + 2 * full.transitions, what);
        if (transitions > 0) withEvents++;
      }
      // Past the first batches, a cut trace still gives most of its goroutine transitions.
      assert.ok(withEvents > cuts.length * 0.8, `${withEvents} of ${cuts.length} cuts gave transitions`);
      const late = parseChecked(data.subarray(0, Math.floor(data.length * 0.6)), 'cut at 60%');
      assert.ok(late.transitions > full.transitions * 0.3, `${late.transitions} of ${full.transitions} transitions at 60%`);
    });
  }

  it('survives thousands of random mutations of real traces (fuzz, fixed seed)', function () {
    this.timeout(120000);
    let seed = 20261206;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let incomplete = 0;
    const names = ['go1.19', 'go1.20', 'go1.21'];
    for (let round = 0; round < 1500; round++) {
      const raw = trace(names[round % 3]);
      let bytes = Uint8Array.from(raw);
      const kind = (round >> 2) % 4;
      // Keep the header: a damaged header is the "not a trace" case above.
      if (kind === 0) for (let k = 0; k <= rand(4); k++) bytes[16 + rand(bytes.length - 16)] = rand(256);
      else if (kind === 1) bytes = bytes.subarray(0, 16 + rand(bytes.length - 16));
      else if (kind === 2) {
        const at = 16 + rand(bytes.length - 16);
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...Array.from({ length: 1 + rand(8) }, () => rand(256)), ...bytes.subarray(at)]);
      } else {
        const at = 16 + rand(bytes.length - 16);
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1 + rand(16))]);
      }
      const { result } = parseChecked(bytes, `round ${round}`);
      if (!result.complete) incomplete++;
    }
    assert.ok(incomplete > 750, `${incomplete} mutations were noticed`);
  });
});
