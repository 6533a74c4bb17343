/// <reference lib="dom" />
// The trace report's Timeline tab: a canvas of P, goroutine-group (expandable to goroutines), GC and STW lanes; zoom/pan by mouse and keys; spans open source.
// (A module of starvation.ts.) The page only ever holds the spans of the visible window, asked from the host on each view change.
import type { TimelineLane, TimelineResult, TimelineSpan } from '../../src/core/annotations/protocol';
import type { WebviewToHost } from '../../src/core/webview/messages';
import { fmt, type WebviewStrings } from '../../src/core/webview/strings';
import { el } from './_topTable';

const ROW = 22;
const MIN_WINDOW_NS = 1000;

/** A row of the canvas: a lane, or the note under an expanded group's goroutine lanes that more were left out. */
type Row = { lane: TimelineLane; more?: undefined } | { lane?: undefined; more: { parent: string; hidden: number; shown: number } };

/** The rows for the lanes of an answer: each expanded group's goroutine lanes, then its note if some were left out. */
function rowsOf(lanes: readonly TimelineLane[]): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < lanes.length; i++) {
    const l = lanes[i];
    rows.push({ lane: l });
    if (l.kind !== 'group' || !l.expanded) continue;
    let shown = 0;
    while (lanes[i + 1]?.parent === l.id) {
      rows.push({ lane: lanes[++i] });
      shown++;
    }
    if (l.expanded.hidden > 0) rows.push({ more: { parent: l.id, hidden: l.expanded.hidden, shown } });
  }
  return rows;
}

/** "1.21 s", "340 ms", "12 µs", "800 ns" (the trace page's tables use it too). */
export function dur(ns: number): string {
  const a = Math.abs(ns);
  const t = (v: number, d: number): string => String(Number(v.toFixed(d)));
  if (a >= 1e9) return `${t(ns / 1e9, 2)} s`;
  if (a >= 1e6) return `${t(ns / 1e6, 1)} ms`;
  if (a >= 1e3) return `${t(ns / 1e3, 1)} µs`;
  return `${Math.round(ns)} ns`;
}

/** A theme colour from a --vscode-* variable (with a fallback for themes that lack it). */
function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** The Timeline tab: call `show()` when it becomes visible, `receive()` with each host answer. */
export class TimelineView {
  readonly root = el('div', 'timeline');
  private readonly info = el('div', 'tl-info');
  private readonly labels = el('div', 'tl-labels');
  private readonly canvas = el('canvas', 'tl-canvas');
  private readonly tip = el('div', 'tl-tip');
  private data: TimelineResult | undefined;
  private rows: Row[] = [];
  /** Group lanes the user expanded to one lane per goroutine. */
  private readonly expanded = new Set<string>();
  private from = 0;
  private to = 0;
  private duration = 0;
  private seq = 0;
  private inFlight = false;
  private pending = false;
  private drag: { x: number; from: number; to: number; moved: boolean } | undefined;
  /** Whether the user zoomed or panned (else the view follows the time read so far). */
  private moved = false;
  private poll: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly post: (m: WebviewToHost) => void,
    private s: WebviewStrings,
  ) {
    const body = el('div', 'tl-body');
    const lanes = el('div', 'tl-canvas-wrap');
    lanes.append(this.canvas, this.tip);
    body.append(this.labels, lanes);
    this.root.append(el('div', 'tl-help', s.tlHelp), this.info, body);
    this.root.tabIndex = 0;
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('mousedown', (e) => {
      this.drag = { x: e.clientX, from: this.from, to: this.to, moved: false };
    });
    window.addEventListener('mousemove', (e) => this.onMove(e));
    window.addEventListener('mouseup', (e) => this.onUp(e));
    this.canvas.addEventListener('mouseleave', () => (this.tip.style.display = 'none'));
    this.root.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.refresh()).observe(lanes);
  }

  /** New strings (after the report arrives). */
  setStrings(s: WebviewStrings): void {
    this.s = s;
    this.root.querySelector('.tl-help')!.textContent = s.tlHelp;
  }

  /** Shows the tab: the first time asks for the whole trace. */
  show(): void {
    if (!this.data) this.info.textContent = this.s.tlLoading;
    this.refresh();
    this.root.focus();
  }

  /** The answer to the request in flight. */
  receive(seq: number, data: TimelineResult): void {
    if (seq !== this.seq) return;
    this.inFlight = false;
    const whole = this.duration > 0 && this.from === 0 && this.to === this.duration;
    this.data = data;
    this.rows = rowsOf(data.lanes);
    // While the trace is read the duration grows: the view follows it until the user zooms or pans.
    if (this.duration === 0 || (!this.moved && whole && data.durationNs !== this.duration)) {
      this.from = 0;
      this.to = data.durationNs;
      if (this.duration !== 0) this.pending = true;
    }
    this.duration = data.durationNs;
    this.root.classList.toggle('loading', data.loading !== undefined);
    this.renderLabels();
    this.draw();
    if (this.pending) {
      this.pending = false;
      this.request();
    } else if (data.loading && this.poll === undefined) {
      // Refine as more of the trace is read.
      this.poll = setTimeout(() => {
        this.poll = undefined;
        this.refresh();
      }, 300);
    }
  }

  /** The request in flight failed (the host showed why): the next view change asks again. */
  failed(message: string): void {
    this.inFlight = false;
    this.info.textContent = message;
  }

  private width(): number {
    return Math.max(1, Math.floor(this.canvas.parentElement!.clientWidth));
  }

  private refresh(): void {
    if (!this.root.isConnected || this.root.offsetParent === null) return;
    this.draw();
    this.request();
  }

  /** Asks for the visible window; one request in flight, the newest view asked after it. */
  private request(): void {
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.inFlight = true;
    const to = this.duration > 0 ? this.to : 1e15;
    const expand = this.expanded.size ? { expand: [...this.expanded] } : {};
    this.post({ type: 'timeline', seq: ++this.seq, fromNs: this.from, toNs: to, widthPx: Math.min(20000, this.width()), ...expand });
  }

  /** Shows or hides a group's goroutine lanes (asks the host for them). */
  private toggle(group: string, open = !this.expanded.has(group)): void {
    if (open === this.expanded.has(group)) return;
    if (open) this.expanded.add(group);
    else this.expanded.delete(group);
    this.labels.querySelector(`[data-lane="${group}"]`)?.setAttribute('aria-expanded', String(open));
    this.request();
  }

  private setView(from: number, to: number, byUser = true): void {
    if (this.duration <= 0) return;
    this.moved ||= byUser && (from > 0 || to < this.duration);
    const span = Math.min(this.duration, Math.max(MIN_WINDOW_NS, to - from));
    from = Math.min(Math.max(0, from), this.duration - span);
    this.from = from;
    this.to = from + span;
    this.draw();
    this.request();
  }

  private zoom(factor: number, atX: number): void {
    const w = this.width();
    const t = this.from + ((this.to - this.from) * atX) / w;
    this.setView(t - (t - this.from) * factor, t + (this.to - t) * factor);
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const x = e.clientX - this.canvas.getBoundingClientRect().left;
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      const d = ((e.deltaX || e.deltaY) / this.width()) * (this.to - this.from);
      this.setView(this.from + d, this.to + d);
    } else this.zoom(e.deltaY > 0 ? 1.25 : 0.8, x);
  }

  private onKey(e: KeyboardEvent): void {
    const w = this.to - this.from;
    const keys: Record<string, () => void> = {
      '+': () => this.zoom(0.5, this.width() / 2),
      '=': () => this.zoom(0.5, this.width() / 2),
      '-': () => this.zoom(2, this.width() / 2),
      _: () => this.zoom(2, this.width() / 2),
      ArrowLeft: () => this.setView(this.from - w * 0.2, this.to - w * 0.2),
      ArrowRight: () => this.setView(this.from + w * 0.2, this.to + w * 0.2),
      '0': () => {
        this.moved = false;
        this.setView(0, this.duration);
      },
    };
    const k = keys[e.key];
    if (k) {
      e.preventDefault();
      k();
    }
  }

  private onMove(e: MouseEvent): void {
    const d = this.drag;
    if (d) {
      const dx = e.clientX - d.x;
      if (Math.abs(dx) > 3) d.moved = true;
      if (d.moved) {
        const shift = (-dx / this.width()) * (d.to - d.from);
        this.setView(d.from + shift, d.to + shift);
      }
      return;
    }
    const hit = this.hit(e);
    if (!hit || e.target !== this.canvas) {
      this.tip.style.display = 'none';
      return;
    }
    this.tip.textContent = this.describe(hit.lane, hit.span);
    this.tip.style.display = 'block';
    const r = this.canvas.getBoundingClientRect();
    this.tip.style.left = `${Math.min(e.clientX - r.left + 12, r.width - 260)}px`;
    this.tip.style.top = `${e.clientY - r.top + 14}px`;
  }

  private onUp(e: MouseEvent): void {
    const d = this.drag;
    this.drag = undefined;
    if (!d || d.moved || e.target !== this.canvas) return;
    const hit = this.hit(e);
    if (hit) this.open(hit.span);
  }

  /** Posts openSource for a span's site (the host opens only workspace files it mapped). */
  private open(span: TimelineSpan): void {
    const site = span.site !== undefined ? this.data?.sites[span.site] : undefined;
    if (!site || !site.file) return;
    this.post({ type: 'openSource', file: site.file, line: site.line, function: site.function, ...(site.localUri ? { localUri: site.localUri } : {}) });
  }

  /** The lane and span under the mouse (within one pixel). */
  private hit(e: MouseEvent): { lane: TimelineLane; span: TimelineSpan } | undefined {
    if (!this.data) return undefined;
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const lane = this.rows[Math.floor((e.clientY - r.top) / ROW)]?.lane;
    if (!lane) return undefined;
    const ns = (this.to - this.from) / this.width();
    const t = this.from + x * ns;
    let best: TimelineSpan | undefined;
    for (const sp of lane.spans) if (sp.s - ns <= t && t <= sp.e + ns && (!best || sp.e - sp.s > best.e - best.s)) best = sp;
    return best ? { lane, span: best } : undefined;
  }

  private describe(lane: TimelineLane, sp: TimelineSpan): string {
    const site = sp.site !== undefined ? this.data?.sites[sp.site] : undefined;
    const at = site ? `\n${site.function} ${site.file.slice(site.file.lastIndexOf('/') + 1)}:${site.line}` : '';
    const head = `${lane.label} · ${dur(sp.e - sp.s)}`;
    if (lane.kind === 'group') return `${head}\n${fmt(this.s.tlCounts, sp.run ?? 0, sp.rbl ?? 0, sp.blk ?? 0)}${at}`;
    if (lane.kind === 'goroutine') {
      const states = [sp.run ? fmt(this.s.tlRunning, dur(sp.busyNs ?? 0)) : '', sp.rbl ? this.s.tlRunnable : '', sp.blk ? this.s.tlBlocked : ''];
      const group = this.data?.lanes.find((l) => l.id === lane.parent)?.label ?? '';
      return `${head} · ${group}\n${states.filter((x) => x).join(' · ')}${at}`;
    }
    if (lane.kind === 'gc') return `${head} · ${this.s.tlGc}`;
    if (lane.kind === 'stw') return `${head} · ${this.s.tlStw}`;
    const group = this.data?.lanes.find((l) => l.id === sp.group)?.label ?? '';
    const merged = sp.n > 1 ? `\n${fmt(this.s.tlMerged, sp.n, dur(sp.busyNs ?? 0))}` : '';
    return `${head}\n${fmt(this.s.tlGoroutine, sp.g ?? '?')} ${group}${merged}${at}`;
  }

  /**
   * Lane labels as DOM (readable, focusable: Enter opens the widest span's source; a group's label shows or hides
   * its goroutine lanes on click, Space, → and ←). The focused label keeps the focus across answers.
   */
  private renderLabels(): void {
    const ns = (this.to - this.from) / this.width();
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.lane;
    this.labels.replaceChildren(
      ...this.rows.map((row) => {
        if (row.more) {
          const d = el('div', 'tl-label tl-more', fmt(this.s.tlMore, row.more.hidden, row.more.shown));
          d.style.height = `${ROW}px`;
          d.title = d.textContent ?? '';
          return d;
        }
        const l = row.lane;
        const d = el('div', `tl-label tl-${l.kind}`, l.label);
        d.style.height = `${ROW}px`;
        d.dataset.lane = l.id;
        if (l.detail) d.title = `${l.label} (${l.detail})`;
        const widest = l.spans.filter((sp) => sp.site !== undefined).sort((a, b) => b.e - b.s - (a.e - a.s))[0];
        if (widest) {
          d.tabIndex = 0;
          d.dataset.spanX = String(Math.round(((Math.max(widest.s, this.from) + Math.min(widest.e, this.to)) / 2 - this.from) / ns));
        }
        if (l.kind === 'group') {
          d.tabIndex = 0;
          d.setAttribute('role', 'button');
          d.setAttribute('aria-expanded', String(this.expanded.has(l.id)));
          d.title = fmt(this.s.tlGroupTitle, l.label, l.detail ?? '?', l.goroutines ?? 0);
          d.addEventListener('click', () => this.toggle(l.id));
        }
        d.addEventListener('keydown', (e) => {
          const group = l.kind === 'group' ? l.id : l.parent;
          const act: Record<string, (() => void) | undefined> = {
            Enter: widest && (() => this.open(widest)),
            ' ': l.kind === 'group' ? () => this.toggle(l.id) : undefined,
            ArrowRight: l.kind === 'group' ? () => this.toggle(l.id, true) : undefined,
            ArrowLeft: group ? () => {
              this.toggle(group, false);
              this.labels.querySelector<HTMLElement>(`[data-lane="${group}"]`)?.focus();
            } : undefined,
          };
          const f = act[e.key];
          if (!f) return;
          // Handled here: the timeline's own keys (←/→ pan) do not see it.
          e.preventDefault();
          e.stopPropagation();
          f();
        });
        return d;
      }),
    );
    if (focused) this.labels.querySelector<HTMLElement>(`[data-lane="${focused}"]`)?.focus();
  }

  private draw(): void {
    const data = this.data;
    const w = this.width();
    const h = this.rows.length * ROW;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx || !data) return;
    const shown = fmt(this.s.tlWindow, dur(this.from), dur(this.to), dur(this.to - this.from));
    this.info.textContent = data.loading ? `${shown} · ${fmt(this.s.tlReading, Math.floor(data.loading.fraction * 100))}` : shown;
    ctx.scale(dpr, dpr);
    const palette = ['--vscode-charts-blue', '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-charts-green', '--vscode-charts-orange']
      .map((v, i) => themeColor(v, ['#3794ff', '#b180d7', '#cca700', '#89d185', '#d18616'][i]));
    const running = themeColor('--vscode-charts-green', '#89d185');
    const runnable = themeColor('--vscode-charts-red', '#f14c4c');
    const blocked = themeColor('--vscode-descriptionForeground', '#888888');
    const gc = themeColor('--vscode-charts-orange', '#d18616');
    const grid = themeColor('--vscode-panel-border', '#80808059');
    const ns = (this.to - this.from) / w;
    const x = (t: number): number => (t - this.from) / ns;
    this.rows.forEach(({ lane }, i) => {
      const y = i * ROW;
      ctx.fillStyle = grid;
      ctx.fillRect(0, y + ROW - 1, w, 1);
      for (const sp of lane?.spans ?? []) {
        if (sp.e < this.from || sp.s > this.to) continue;
        const x0 = x(sp.s);
        const wd = Math.max(1, x(sp.e) - x0);
        if (lane!.kind === 'group' || lane!.kind === 'goroutine') {
          const third = (ROW - 4) / 3;
          const bars: Array<[number, string]> = [[sp.run ?? 0, running], [sp.rbl ?? 0, runnable], [sp.blk ?? 0, blocked]];
          bars.forEach(([n, c], k) => {
            if (n <= 0) return;
            ctx.fillStyle = c;
            ctx.fillRect(x0, y + 2 + k * third, wd, third - 0.5);
          });
        } else {
          ctx.globalAlpha = lane!.kind === 'p' && sp.n > 1 ? Math.max(0.35, (sp.busyNs ?? 0) / (sp.e - sp.s)) : 1;
          ctx.fillStyle = lane!.kind === 'p' ? palette[Number((sp.group ?? 'g0').slice(1)) % palette.length] : lane!.kind === 'gc' ? gc : runnable;
          ctx.fillRect(x0, y + 3, wd, ROW - 6);
          ctx.globalAlpha = 1;
        }
      }
    });
  }
}
