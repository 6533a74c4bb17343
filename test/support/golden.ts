// Golden files: a test's text output compared with a file under test/golden/, rewritten instead when ANOLE_UPDATE_GOLDEN=1 (review the diff, then commit).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where golden files live. */
export const GOLDEN_DIR = path.resolve(__dirname, '..', 'golden');
const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Set: the goldens are written from this run's output instead of compared. */
export const UPDATE_GOLDEN = process.env.ANOLE_UPDATE_GOLDEN === '1';
/** The failure of a golden file that does not exist yet. */
const missing = (name: string) => `golden file test/golden/${name} is missing: run with ANOLE_UPDATE_GOLDEN=1 to write it, then review and commit it`;
const HOW = 'if the change is intended, rerun with ANOLE_UPDATE_GOLDEN=1, review `git diff test/golden` and commit it';

/** Replaces what differs between machines (this checkout's path, the temp dir) with stable placeholders. */
export function cleanGolden(text: string): string {
  return text.split(REPO_ROOT).join('<repo>').split(os.tmpdir()).join('<tmp>');
}

/** The differing lines of two texts with two lines of context, `-` golden and `+` actual. */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - 2);
  return [
    `@@ line ${start + 1} @@`,
    ...a.slice(from, start).map((l) => `  ${l}`),
    ...a.slice(start, endA).map((l) => `- ${l}`),
    ...b.slice(start, endB).map((l) => `+ ${l}`),
    ...a.slice(endA, endA + 2).map((l) => `  ${l}`),
  ].join('\n');
}

/**
 * Asserts that `actual` (cleaned by {@link cleanGolden}) equals test/golden/`name`; with
 * ANOLE_UPDATE_GOLDEN=1 writes it there instead. Fails with a line diff, or says how to create a
 * golden file that is missing.
 */
export function assertGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  const text = cleanGolden(actual);
  if (UPDATE_GOLDEN) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  if (!fs.existsSync(file)) assert.fail(missing(name));
  const golden = fs.readFileSync(file, 'utf8');
  if (golden !== text) assert.fail(`output differs from test/golden/${name}; ${HOW}:\n${lineDiff(golden, text)}`);
}

/**
 * The golden JSON value test/golden/`name`, after writing `actual` there when ANOLE_UPDATE_GOLDEN=1:
 * for tests that compare it part by part.
 */
export function goldenJson<T>(name: string, actual: T): T {
  const file = path.join(GOLDEN_DIR, name);
  if (UPDATE_GOLDEN) assertGolden(name, `${JSON.stringify(actual, null, 1)}\n`);
  if (!fs.existsSync(file)) assert.fail(missing(name));
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** The assertion message of a part that differs from its golden value. */
export const GOLDEN_CHANGED = `differs from its golden value; ${HOW}`;
