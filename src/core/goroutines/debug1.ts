// Reads a debug=1 goroutine profile ("N @ 0x..." records), which Go has already grouped by stack.
import { dumpText, detectDumpFormat, noGoroutines } from './sniff';
import type { GoroutineGroup, GroupedGoroutines, StackFrame } from './types';

/**
 * Parses /debug/pprof/goroutine?debug=1 text into groups. It carries counts and stacks only: no
 * ids, states, wait times or creators, so those fields are empty ("" state, null waits, no ids).
 * Throws AnoleError('BAD_DUMP') if there is no record.
 */
export function parseDebug1Dump(input: string | Uint8Array): GroupedGoroutines & { warnings: string[] } {
  const text = dumpText(input);
  const warnings: string[] = [];
  const groups: GoroutineGroup[] = [];
  let declaredTotal: number | null = null;
  let cur: GoroutineGroup | null = null;

  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const total = /^goroutine profile: total (\d+)$/.exec(line);
    if (total) {
      declaredTotal = Number(total[1]);
      continue;
    }
    const record = /^(\d+) @(?: 0x[0-9a-fA-F]+)*$/.exec(line);
    if (record) {
      cur = {
        count: Number(record[1]),
        state: '',
        waitMinutes: null,
        minWaitMinutes: null,
        lockedToThread: 0,
        frames: [],
        createdBy: null,
        ids: [],
        elided: false,
        truncated: false,
      };
      groups.push(cur);
      continue;
    }
    if (!cur) continue;
    if (line === '') {
      cur = null;
    } else if (line.startsWith('#\t')) {
      const frame = parseFrame(line);
      if (frame) cur.frames.push(frame);
      else warnings.push(`cannot read frame "${line}"`);
    }
    // "# labels: {...}" and anything else inside a record is skipped.
  }
  if (groups.length === 0) throw noGoroutines(detectDumpFormat(text));

  const sum = groups.reduce((n, g) => n + g.count, 0);
  if (declaredTotal !== null && declaredTotal !== sum) {
    warnings.push(`the profile says ${declaredTotal} goroutines but its records add up to ${sum}; it may be cut off`);
  }
  groups.sort((a, b) => b.count - a.count);
  return { total: sum, groups, warnings };
}

/** "#\t0x51df58\tmain.leak+0x18\tpath/main.go:37" → frame; null if it has no function. */
function parseFrame(line: string): StackFrame | null {
  const fields = line.split('\t').filter((f) => f !== '');
  // fields: "#", pc, function+offset, file:line (the last two are missing when unsymbolized)
  if (fields.length < 3) return null;
  const fn = fields[2].replace(/\+0x[0-9a-fA-F]+$/, '');
  const loc = fields.slice(3).join('\t');
  const m = /^(.*):(\d+)$/.exec(loc);
  return m ? { function: fn, file: m[1], line: Number(m[2]) } : { function: fn, file: loc, line: 0 };
}
