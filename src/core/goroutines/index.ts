// Goroutine dumps: parse debug=2 text (or panic/SIGQUIT tracebacks), read debug=1, group by stack.
import { parseDebug1Dump } from './debug1';
import { groupGoroutines, type GroupOptions } from './group';
export { isStdlibFunction } from '../goFrames';
import { parseGoroutineDump, type ParseOptions } from './parse';
import { detectDumpFormat } from './sniff';
import type { GroupedGoroutines } from './types';

export type * from './types';
export { parseGoroutineDump, type ParseOptions } from './parse';
export {
  groupGoroutines,
  innermostUserFrame,
  isSystemFrame,
  type GroupOptions,
  type UserFrameOptions,
} from './group';
export { parseDebug1Dump } from './debug1';
export { detectDumpFormat, type DumpFormat } from './sniff';
export { parseHeaderAttrs, parseLabels, type HeaderInfo } from './header';

/** Grouped goroutines of a dump in either text format, with what was read and what went wrong. */
export interface GoroutineReport extends GroupedGoroutines {
  /** debug=1 has counts and stacks only: no ids, states or wait times. */
  format: 'debug=2' | 'debug=1';
  warnings: string[];
}

/**
 * Reads a goroutine dump in whichever text format it is (debug=2, a traceback, or debug=1) and
 * groups it. Throws AnoleError('BAD_DUMP') for anything else, saying what it is.
 */
export function analyzeGoroutineDump(
  input: string | Uint8Array,
  options: ParseOptions & GroupOptions = {},
): GoroutineReport {
  if (detectDumpFormat(input) === 'debug=1') return { format: 'debug=1', ...parseDebug1Dump(input) };
  const { goroutines, warnings } = parseGoroutineDump(input, options);
  return { format: 'debug=2', ...groupGoroutines(goroutines, options), warnings };
}
