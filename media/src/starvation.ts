/// <reference lib="dom" />
// The trace report page: a Starvation tab (sortable tables of goroutine groups and wait lines) and a Timeline tab; rows and spans open source.
// Data arrives only by postMessage; every string reaches the DOM via textContent.
import type { HostToWebview, WebviewToHost } from '../../src/core/webview/messages';
import { fmt, mergeStrings } from '../../src/core/webview/strings';
import { TimelineView, dur } from './_timeline';
import { el } from './_topTable';

interface VsCodeApi {
  postMessage(msg: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: WebviewToHost): void => vscode.postMessage(m);

type Report = Extract<HostToWebview, { type: 'starvation' }>['report'];
type Group = Report['groups'][number];
type Line = Report['lines'][number];

/** A column: header, how to read the sort key, how to show the cell (text, or an element). */
interface Column<R> {
  label: string;
  key: (r: R) => number | string;
  show: (r: R) => string;
  numeric: boolean;
  cell?: (r: R) => HTMLElement;
}

const MAX_ROWS = 1000;

const pct = (f: number): string => `${Math.round(f * 100)}%`;
const base = (file: string): string => file.slice(file.lastIndexOf('/') + 1);
const blockedTotal = (g: Group): number => Object.values(g.blockedNs).reduce((a, b) => a + b, 0);
const topBlocked = (g: Group): string => {
  const [k, ns] = Object.entries(g.blockedNs).sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  return ns > 0 ? `${k} ${dur(ns)}` : '';
};

/** The log2 buckets every group's histogram is drawn on (shared, so rows compare). */
const histAxis = { from: 0, to: -1 };

/** A group's runnable-wait histogram from the analysis: one bar per power of two of wait time, on the shared axis. */
function histogram(g: Group): HTMLElement {
  const box = el('div', 'hist');
  const h = g.runnableHist;
  if (!h || h.counts.length === 0 || histAxis.to < histAxis.from) return box;
  const max = Math.max(...h.counts);
  const tip: string[] = [];
  for (let e = histAxis.from; e <= histAxis.to; e++) {
    const c = h.counts[e - h.fromExp] ?? 0;
    const bar = el('span', c > 0 ? 'bar' : 'bar empty');
    bar.style.height = `${c > 0 ? Math.max(2, Math.round((16 * c) / max)) : 1}px`;
    box.append(bar);
    if (c > 0) tip.push(`${dur(2 ** e)}–${dur(2 ** (e + 1))}: ${c}`);
  }
  box.title = [strings.histTitle, ...tip].join('\n');
  box.dataset.counts = h.counts.join(',');
  box.dataset.fromExp = String(h.fromExp);
  return box;
}

const GROUP_COLUMNS: Column<Group>[] = [
  { label: 'Group (start function)', key: (g) => g.function, show: (g) => g.function, numeric: false },
  { label: 'Created at', key: (g) => (g.created ? `${base(g.created.file)}:${g.created.line}` : ''), show: (g) => (g.created ? `${base(g.created.file)}:${g.created.line}` : '—'), numeric: false },
  { label: 'Count', key: (g) => g.count, show: (g) => String(g.count), numeric: true },
  { label: 'Running', key: (g) => g.runningNs, show: (g) => dur(g.runningNs), numeric: true },
  { label: 'Runnable', key: (g) => g.runnableNs, show: (g) => dur(g.runnableNs), numeric: true },
  { label: 'Runnable share', key: (g) => g.runnableShare, show: (g) => pct(g.runnableShare), numeric: true },
  { label: 'p50', key: (g) => g.runnableP50Ns, show: (g) => dur(g.runnableP50Ns), numeric: true },
  { label: 'p99', key: (g) => g.runnableP99Ns, show: (g) => dur(g.runnableP99Ns), numeric: true },
  { label: 'Max wait', key: (g) => g.runnableMaxNs, show: (g) => dur(g.runnableMaxNs), numeric: true },
  { label: 'Wait histogram', key: (g) => g.runnableCount, show: (g) => String(g.runnableCount), numeric: true, cell: histogram },
  { label: 'Blocked', key: (g) => blockedTotal(g), show: (g) => dur(blockedTotal(g)), numeric: true },
  { label: 'Top reason', key: (g) => topBlocked(g), show: (g) => topBlocked(g), numeric: false },
  { label: 'Held Ps', key: (g) => g.culpritShare, show: (g) => (g.culpritShare > 0 ? pct(g.culpritShare) : ''), numeric: true },
];

const LINE_COLUMNS: Column<Line>[] = [
  { label: 'Kind', key: (l) => l.kind, show: (l) => (l.kind === 'runnable' ? 'runnable' : `blocked: ${l.kind}`), numeric: false },
  { label: 'Total', key: (l) => l.ns, show: (l) => dur(l.ns), numeric: true },
  { label: 'Count', key: (l) => l.count, show: (l) => String(l.count), numeric: true },
  { label: 'Max', key: (l) => l.maxNs, show: (l) => dur(l.maxNs), numeric: true },
  { label: 'Function', key: (l) => l.function, show: (l) => l.function, numeric: false },
  { label: 'Location', key: (l) => `${base(l.file)}:${l.line}`, show: (l) => `${base(l.file)}:${l.line}`, numeric: false },
];

/** A sortable table; clicking a header sorts by it (again: reverses), a row calls `open`. */
class SortedTable<R> {
  private sortBy = 1;
  private desc = true;
  private rows: R[] = [];
  readonly table = el('table', 'report');
  private readonly thead = el('thead');
  private readonly tbody = el('tbody');

  constructor(
    private readonly cols: Column<R>[],
    defaultSort: number,
    private readonly open: (r: R) => void,
    private readonly selected: (r: R) => boolean = () => false,
  ) {
    this.sortBy = defaultSort;
    this.table.append(this.thead, this.tbody);
  }

  set(rows: R[]): void {
    this.rows = rows;
    this.render();
  }

  render(): void {
    const tr = el('tr');
    this.cols.forEach((c, i) => {
      const th = el('th', c.numeric ? 'num' : undefined, c.label + (i === this.sortBy ? (this.desc ? ' ▼' : ' ▲') : ''));
      th.tabIndex = 0;
      th.setAttribute('role', 'button');
      const sort = (): void => {
        if (this.sortBy === i) this.desc = !this.desc;
        else {
          this.sortBy = i;
          this.desc = c.numeric;
        }
        this.render();
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && sort());
      tr.append(th);
    });
    this.thead.replaceChildren(tr);
    const col = this.cols[this.sortBy];
    const sorted = [...this.rows].sort((a, b) => {
      const x = col.key(a);
      const y = col.key(b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return this.desc ? -c : c;
    });
    this.tbody.replaceChildren(
      ...sorted.slice(0, MAX_ROWS).map((r) => {
        const row = el('tr', this.selected(r) ? 'selected' : undefined);
        row.tabIndex = 0;
        for (const c of this.cols) {
          const td = el('td', c.numeric ? 'num' : undefined);
          if (c.cell) td.append(c.cell(r));
          else td.textContent = c.show(r);
          row.append(td);
        }
        row.addEventListener('click', () => this.open(r));
        row.addEventListener('keydown', (e) => e.key === 'Enter' && this.open(r));
        return row;
      }),
    );
  }
}

const app = document.getElementById('app')!;
const header = el('div', 'summary');
const handoff = el('div', 'handoff');
const status = el('div', 'status', 'Loading trace…');
let focus: string | undefined;
const groups = new SortedTable<Group>(GROUP_COLUMNS, 4, (g) => {
  if (g.localUri && g.localLine) post({ type: 'openSource', file: g.created?.file ?? g.function, line: g.localLine, function: g.function, localUri: g.localUri });
}, (g) => g.function === focus);
const lines = new SortedTable<Line>(LINE_COLUMNS, 1, (l) => {
  post({ type: 'openSource', file: l.file, line: l.line, function: l.function, ...(l.localUri ? { localUri: l.localUri } : {}) });
});
const report = el('div', 'tab-page');
report.append(status, header, handoff, el('h2', undefined, 'Goroutine groups'), groups.table, el('h2', undefined, 'Where goroutines waited'), lines.table);
let strings = mergeStrings(undefined);
const timeline = new TimelineView(post, strings);
timeline.root.classList.add('tab-page');
const tabs = el('div', 'tabs');
const tabButtons = [el('button', 'tab', strings.starvationTab), el('button', 'tab', strings.timelineTab)];
const pages = [report, timeline.root];
function showTab(i: number): void {
  tabButtons.forEach((b, k) => {
    b.classList.toggle('active', k === i);
    b.setAttribute('aria-selected', String(k === i));
  });
  pages.forEach((p, k) => (p.hidden = k !== i));
  vscode.setState({ tab: i });
  if (i === 1) timeline.show();
}
tabButtons.forEach((b, i) => {
  b.setAttribute('role', 'tab');
  b.addEventListener('click', () => showTab(i));
});
tabs.setAttribute('role', 'tablist');
tabs.append(...tabButtons);
app.append(tabs, ...pages);
const saved = vscode.getState() as { tab?: number } | undefined;
showTab(saved?.tab === 1 ? 1 : 0);

window.addEventListener('message', (ev: MessageEvent<HostToWebview>) => {
  const m = ev.data;
  if (m.type === 'loading') {
    status.textContent = m.message;
    // The trace is still being read: its timeline fills first, so show it unless the user chose a tab before.
    if (m.preferTimeline && saved?.tab === undefined) showTab(1);
  }
  else if (m.type === 'error') {
    status.textContent = m.message;
    timeline.failed(m.message);
  } else if (m.type === 'timeline') timeline.receive(m.seq, m.data);
  else if (m.type === 'starvation') {
    strings = mergeStrings(m.strings);
    tabButtons[0].textContent = strings.starvationTab;
    tabButtons[1].textContent = strings.timelineTab;
    timeline.setStrings(strings);
    const r = m.report;
    focus = m.focus;
    status.textContent = '';
    document.title = m.title;
    header.replaceChildren(
      el('div', undefined, `${m.title} — ${r.goVersion}, ${dur(r.durationNs)}, GOMAXPROCS ${r.gomaxprocs}, ${r.groups.length} groups`),
      el('div', undefined,
        `GC: ${r.gc.count} cycles, ${r.gc.stwCount} stop-the-world pauses (max ${dur(r.gc.stwMaxNs)}, total ${dur(r.gc.stwTotalNs)}), mark assist ${dur(r.gc.assistNs)}`),
      ...(r.saturation && r.saturation.samples > 0
        ? [el('div', undefined, `While goroutines waited runnable: all Ps busy in ${pct(r.saturation.allPsBusy / r.saturation.samples)} of ${r.saturation.samples} samples, some P idle in ${pct(r.saturation.somePIdle / r.saturation.samples)}`)]
        : []),
      ...r.warnings.map((w) => el('div', 'warning', w)),
    );
    histAxis.from = Math.min(...r.groups.map((g) => (g.runnableHist?.counts.length ? g.runnableHist.fromExp : Infinity)));
    histAxis.to = Math.max(...r.groups.map((g) => (g.runnableHist?.counts.length ? g.runnableHist.fromExp + g.runnableHist.counts.length - 1 : -1)));
    handoff.replaceChildren();
    if (m.target) {
      const button = (label: string, action: Extract<WebviewToHost, { type: 'handoff' }>['action']): HTMLButtonElement => {
        const b = el('button', `handoff-${action}`, label);
        b.addEventListener('click', () => post({ type: 'handoff', action }));
        return b;
      };
      handoff.append(
        el('span', undefined, fmt(strings.handoffOn, m.target)),
        button(strings.handoffDump, 'dumpGoroutines'), button(strings.handoffAttach, 'attachDebugger'), button(strings.handoffProfile, 'profileCpu'),
      );
    }
    groups.set(r.groups);
    lines.set(r.lines);
  }
});
post({ type: 'ready', bootMs: Math.round(performance.now()) });
