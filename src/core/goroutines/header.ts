// Reads the attributes of a goroutine header line: "goroutine 7 [chan receive, 12 minutes, locked to thread]:".

/** What a header says besides the goroutine id. Shared (frozen) between goroutines with equal headers. */
export interface HeaderInfo {
  readonly state: string;
  readonly waitMinutes: number | null;
  readonly lockedToThread: boolean;
  readonly leaked: boolean;
  readonly labels: Readonly<Record<string, string>> | null;
  readonly extra: readonly string[];
}

const SCAN = ' (scan)';
const LEAKED = ' (leaked)';
const LABELS = ' labels:{';

/**
 * Parses the part of a header after the id: `before` is what stands between the id and " [" (e.g.
 * " gp=0xc000 m=nil" at GOTRACEBACK=system, usually ""), `inner` is the text inside the brackets.
 * Go prints, in order: the status, " (leaked)", " (scan)", " (durable)", ", N minutes",
 * ", locked to thread", ", synctest bubble N", " labels:{...}". Unknown parts land in `extra`.
 */
export function parseHeaderAttrs(before: string, inner: string): HeaderInfo {
  const extra: string[] = [];
  const trimmedBefore = before.trim();
  if (trimmedBefore) extra.push(trimmedBefore);

  let labels: Record<string, string> | null = null;
  const labelsAt = inner.indexOf(LABELS);
  if (labelsAt >= 0) {
    labels = parseLabels(inner.slice(labelsAt + LABELS.length - 1));
    if (!labels) extra.push(inner.slice(labelsAt + 1));
    inner = inner.slice(0, labelsAt);
  }

  const parts = inner.split(', ');
  let state = parts[0].trim();
  let leaked = false;
  // "(scan)" is a transient GC bit and "(leaked)" a verdict, not part of the wait reason; strip them
  // (in either order) so they do not split groups.
  for (let changed = true; changed; ) {
    changed = false;
    if (state.endsWith(SCAN)) {
      state = state.slice(0, -SCAN.length);
      extra.push('(scan)');
      changed = true;
    }
    if (state.endsWith(LEAKED)) {
      state = state.slice(0, -LEAKED.length);
      leaked = true;
      extra.push('(leaked)');
      changed = true;
    }
  }

  let waitMinutes: number | null = null;
  let lockedToThread = false;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i].trim();
    const minutes = /^(\d+) minutes?$/.exec(part);
    if (minutes) waitMinutes = Number(minutes[1]);
    else if (part === 'locked to thread') lockedToThread = true;
    else if (part) extra.push(part);
  }
  return Object.freeze({
    state,
    waitMinutes,
    lockedToThread,
    leaked,
    labels: labels && Object.freeze(labels),
    extra: Object.freeze(extra),
  });
}

/**
 * Parses `{"key": "value", ...}` as the runtime's printquoted writes it (\n \r \t \\ \" \xNN
 * \uNNNN \UNNNNNNNN escapes). Returns null if the text is not that shape.
 */
export function parseLabels(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  let i = 0;
  const skipSpaces = (): void => {
    while (text[i] === ' ') i++;
  };
  const quoted = (): string | null => {
    if (text[i] !== '"') return null;
    i++;
    let s = '';
    while (i < text.length && text[i] !== '"') {
      const c = text[i++];
      if (c !== '\\') {
        s += c;
        continue;
      }
      const e = text[i++];
      const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hexLen) {
        const code = parseInt(text.slice(i, i + hexLen), 16);
        if (!Number.isFinite(code) || code > 0x10ffff) return null;
        s += String.fromCodePoint(code);
        i += hexLen;
      } else {
        s += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e;
      }
    }
    if (text[i] !== '"') return null;
    i++;
    return s;
  };
  if (text[i++] !== '{') return null;
  skipSpaces();
  while (text[i] !== '}') {
    const key = quoted();
    if (key === null || text[i++] !== ':') return null;
    skipSpaces();
    const value = quoted();
    if (value === null) return null;
    out[key] = value;
    skipSpaces();
    if (text[i] === ',') {
      i++;
      skipSpaces();
    } else if (text[i] !== '}') {
      return null;
    }
  }
  return i === text.length - 1 ? out : null;
}
