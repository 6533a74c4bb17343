/// <reference lib="dom" />
// The profile webview's top table: sortable flat/cum columns, by function or line, rows open source.
// (A module of profile.ts: the leading underscore keeps the build from bundling it on its own.)
import type { TopTableRow } from '../../src/core/annotations/protocol';
import { formatValue } from '../../src/core/webview/format';
import type { TopBy, ViewTopTable, WebviewToHost } from '../../src/core/webview/messages';
import { fmt, type WebviewStringId, type WebviewStrings } from '../../src/core/webview/strings';

/** Rows rendered at most (the rest are summarised in the note). */
const MAX_TABLE_ROWS = 1000;

/** Creates an element with a class and text (never HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const COLUMNS: { key: keyof TopTableRow; label: WebviewStringId; numeric: boolean }[] = [
  { key: 'flat', label: 'colFlat', numeric: true },
  { key: 'flatPercent', label: 'colFlatPercent', numeric: true },
  { key: 'cum', label: 'colCum', numeric: true },
  { key: 'cumPercent', label: 'colCumPercent', numeric: true },
  { key: 'function', label: 'colFunction', numeric: false },
  { key: 'file', label: 'colLocation', numeric: false },
];

/** The elements the table draws into. */
export interface TopTableElements {
  byFunction: HTMLButtonElement;
  byLine: HTMLButtonElement;
  note: HTMLElement;
  thead: HTMLTableSectionElement;
  tbody: HTMLTableSectionElement;
}

/** What the table asks of the page. */
export interface TopTableHooks {
  unit(): string;
  /** The page's strings in the display language. */
  strings(): WebviewStrings;
  openSource(m: Extract<WebviewToHost, { type: 'openSource' }>): void;
  setBy(by: TopBy): void;
}

/** A sortable top table; call render() whenever the data or diff mode changes. */
export class TopTable {
  private sortKey: keyof TopTableRow = 'flat';
  private sortDesc = true;
  private data: ViewTopTable | undefined;
  private diff = false;

  constructor(private readonly els: TopTableElements, private readonly hooks: TopTableHooks) {
    els.byFunction.addEventListener('click', () => this.setBy('function'));
    els.byLine.addEventListener('click', () => this.setBy('line'));
  }

  private setBy(by: TopBy): void {
    if (this.data?.by !== by) this.hooks.setBy(by);
  }

  render(data: ViewTopTable | undefined, diff: boolean): void {
    this.data = data;
    this.diff = diff;
    const { byFunction, byLine, note, thead, tbody } = this.els;
    byFunction.classList.toggle('active', data?.by !== 'line');
    byLine.classList.toggle('active', data?.by === 'line');
    thead.replaceChildren(this.header());
    if (!data) { tbody.replaceChildren(); note.textContent = ''; return; }
    const key = this.sortKey;
    const dir = this.sortDesc ? -1 : 1;
    const rows = [...data.rows].sort((a, b) => {
      const x = a[key];
      const y = b[key];
      if (typeof x === 'number' && typeof y === 'number') return dir * (Math.abs(x) - Math.abs(y));
      return dir * String(x ?? '').localeCompare(String(y ?? ''));
    });
    tbody.replaceChildren(...rows.slice(0, MAX_TABLE_ROWS).map((r) => this.row(r)));
    const t = this.hooks.strings();
    note.textContent = rows.length > MAX_TABLE_ROWS ? fmt(t.rowsShown, MAX_TABLE_ROWS, rows.length) : fmt(t.rows, rows.length);
  }

  private header(): HTMLTableRowElement {
    const tr = el('tr');
    const t = this.hooks.strings();
    for (const c of COLUMNS) {
      const th = el('th', c.numeric ? 'num' : undefined, this.diff && c.numeric ? `Δ ${t[c.label]}` : t[c.label]);
      th.tabIndex = 0;
      if (this.sortKey === c.key) th.setAttribute('aria-sort', this.sortDesc ? 'descending' : 'ascending');
      const sort = (): void => {
        if (this.sortKey === c.key) this.sortDesc = !this.sortDesc;
        else { this.sortKey = c.key; this.sortDesc = c.numeric; }
        this.render(this.data, this.diff);
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => { if (e.key === 'Enter') sort(); });
      tr.append(th);
    }
    return tr;
  }

  private row(r: TopTableRow): HTMLTableRowElement {
    const u = this.hooks.unit();
    const tr = el('tr');
    tr.append(
      el('td', 'num', formatValue(r.flat, u)),
      el('td', 'num', `${r.flatPercent.toFixed(2)}%`),
      el('td', 'num', formatValue(r.cum, u)),
      el('td', 'num', `${r.cumPercent.toFixed(2)}%`),
      el('td', 'fn', r.function),
      el('td', 'loc', r.file ? `${r.file}${r.line ? `:${r.line}` : ''}` : ''),
    );
    if (r.file) {
      tr.classList.add('link');
      tr.tabIndex = 0;
      tr.title = r.localUri ? this.hooks.strings().openSource : this.hooks.strings().openSourceMaybe;
      const open = (): void => this.hooks.openSource({
        type: 'openSource', file: r.file, line: r.line ?? 0, function: r.function,
        ...(r.localUri ? { localUri: r.localUri } : {}),
      });
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    }
    return tr;
  }
}
