/// <reference lib="dom" />
// The profile webview: a canvas icicle (flame graph) with zoom, breadcrumb, search and tooltip, and a
// sortable top table. Data arrives only by postMessage; every string reaches the DOM via textContent.
import type { HostToWebview, ProfileTab, ViewFlameGraph, ViewTopTable, WebviewToHost } from '../../src/core/webview/messages';
import {
  ancestors, diffShade, findHeaviest, hitTest, indexFlame, layoutFlame, nameHash, searchFlame,
  type FlameIndex, type FlameRect, type SearchResult,
} from '../../src/core/webview/flameLayout';
import { formatPercent, formatValue } from '../../src/core/webview/format';
import { WEBVIEW_STRINGS, fmt, mergeStrings, type WebviewStrings } from '../../src/core/webview/strings';
import { TopTable, el } from './_topTable';

interface VsCodeApi {
  postMessage(msg: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: WebviewToHost): void => vscode.postMessage(m);

/** The page's strings: English until `init` brings the display language's. */
let T: WebviewStrings = { ...WEBVIEW_STRINGS };

const ROW_H = 18;
const MIN_W = 2;

/** Persisted across reloads (retainContextWhenHidden is off). */
interface SavedState { tab: ProfileTab; search: string; zoomPath: string[] }

const saved = (vscode.getState() ?? {}) as Partial<SavedState>;
const state = {
  tab: (saved.tab === 'top' ? 'top' : 'flame') as ProfileTab,
  diff: false,
  flame: undefined as ViewFlameGraph | undefined,
  idx: undefined as FlameIndex | undefined,
  focus: 0,
  rects: [] as FlameRect[],
  search: typeof saved.search === 'string' ? saved.search : '',
  matches: undefined as SearchResult | undefined,
  top: undefined as ViewTopTable | undefined,
  pendingZoom: Array.isArray(saved.zoomPath) ? saved.zoomPath.filter((s) => typeof s === 'string') : [],
};

// ---- DOM skeleton -------------------------------------------------------------------------

const app = document.getElementById('app')!;
const toolbar = el('div', 'toolbar');
const tabFlame = el('button', 'tab');
const tabTop = el('button', 'tab');
const sampleSelect = el('select', 'sample-type');
const searchBox = el('input', 'search');
searchBox.type = 'search';
searchBox.value = state.search;
const matchInfo = el('span', 'match-info');
const resetBtn = el('button', 'reset');
const status = el('span', 'status');
toolbar.append(tabFlame, tabTop, sampleSelect, searchBox, matchInfo, resetBtn, status);

const breadcrumb = el('nav', 'breadcrumb');
const flamePane = el('div', 'pane flame-pane');
const flameScroll = el('div', 'flame-scroll');
const flameSpacer = el('div', 'flame-spacer');
const canvas = el('canvas', 'flame-canvas');
canvas.setAttribute('role', 'img');
flameScroll.append(canvas, flameSpacer);
/** The widest visible frames as text, for screen readers (and tests): the canvas itself is opaque. */
const a11yList = el('ul', 'sr-only flame-frames');
flamePane.append(breadcrumb, flameScroll, a11yList);

const topPane = el('div', 'pane top-pane');
const topBar = el('div', 'top-bar');
const byFunction = el('button', 'by');
const byLine = el('button', 'by');
const topNote = el('span', 'top-note');
topBar.append(byFunction, byLine, topNote);
const table = el('table', 'top-table');
const thead = el('thead');
const tbody = el('tbody');
table.append(thead, tbody);
topPane.append(topBar, table);

const tooltip = el('div', 'tooltip');
tooltip.hidden = true;
const errorBox = el('div', 'error');
errorBox.hidden = true;
app.append(toolbar, errorBox, flamePane, topPane, tooltip);

/** Puts the current strings on the fixed parts of the page. */
function applyLabels(): void {
  tabFlame.textContent = T.flameTab;
  tabTop.textContent = T.topTab;
  sampleSelect.title = T.sampleType;
  searchBox.placeholder = T.search;
  resetBtn.textContent = T.resetZoom;
  breadcrumb.setAttribute('aria-label', T.zoomPath);
  byFunction.textContent = T.byFunction;
  byLine.textContent = T.byLine;
}
applyLabels();

// ---- state helpers --------------------------------------------------------------------------
function save(): void {
  const zoomPath = state.idx && state.focus > 0
    ? [...ancestors(state.idx, state.focus), state.focus].slice(1).map((i) => state.idx!.nodes[i].name)
    : [];
  vscode.setState({ tab: state.tab, search: state.search, zoomPath } satisfies SavedState);
}

function unit(): string { return state.flame?.sampleType.unit ?? ''; }

function showTab(tab: ProfileTab): void {
  state.tab = tab;
  tabFlame.classList.toggle('active', tab === 'flame');
  tabTop.classList.toggle('active', tab === 'top');
  tabFlame.setAttribute('aria-selected', String(tab === 'flame'));
  tabTop.setAttribute('aria-selected', String(tab === 'top'));
  flamePane.hidden = tab !== 'flame';
  topPane.hidden = tab !== 'top';
  searchBox.hidden = resetBtn.hidden = matchInfo.hidden = tab !== 'flame';
  if (tab === 'flame') draw();
  save();
}

// ---- flame graph --------------------------------------------------------------------------
function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function setFlame(flame: ViewFlameGraph | undefined): void {
  // Keep the zoom across refreshes (another sample type, a reload) by following the names.
  if (state.idx && state.focus > 0 && state.pendingZoom.length === 0) {
    state.pendingZoom = [...ancestors(state.idx, state.focus), state.focus].slice(1).map((i) => state.idx!.nodes[i].name);
  }
  state.flame = flame;
  state.idx = flame ? indexFlame(flame.root) : undefined;
  state.focus = 0;
  if (state.idx && state.pendingZoom.length > 0) state.focus = followPath(state.idx, state.pendingZoom);
  state.pendingZoom = [];
  state.matches = state.idx && state.search ? searchFlame(state.idx, state.search) : undefined;
  updateMatchInfo();
  renderBreadcrumb();
  draw();
}

function followPath(idx: FlameIndex, names: string[]): number {
  let id = 0;
  for (const name of names) {
    const next = idx.children[id].find((k) => idx.nodes[k].name === name);
    if (next === undefined) break;
    id = next;
  }
  return id;
}

function zoom(id: number): void {
  state.focus = id;
  renderBreadcrumb();
  draw();
  save();
}

function renderBreadcrumb(): void {
  breadcrumb.replaceChildren();
  const idx = state.idx;
  if (!idx) return;
  const path = [...ancestors(idx, state.focus), state.focus];
  path.forEach((id, i) => {
    if (i > 0) breadcrumb.append(el('span', 'sep', '›'));
    const b = el('button', 'crumb', id === 0 ? T.all : idx.nodes[id].name);
    b.disabled = id === state.focus;
    b.addEventListener('click', () => zoom(id));
    breadcrumb.append(b);
  });
  resetBtn.disabled = state.focus === 0;
}

function updateMatchInfo(): void {
  const m = state.matches;
  matchInfo.textContent = m && state.idx
    ? (m.count === 1 ? fmt(T.oneMatch, formatPercent(m.value, state.idx.total)) : fmt(T.matches, m.count, formatPercent(m.value, state.idx.total)))
    : '';
}

let drawQueued = false;
function draw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => { drawQueued = false; drawNow(); });
}

function drawNow(): void {
  const idx = state.idx;
  const ctx = canvas.getContext('2d');
  if (!ctx || state.tab !== 'flame') return;
  const width = flameScroll.clientWidth;
  const height = flameScroll.clientHeight;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.floor(width * dpr));
  canvas.height = Math.max(1, Math.floor(height * dpr));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (!idx) { state.rects = []; flameSpacer.style.height = '0px'; return; }
  flameSpacer.style.height = `${Math.max(0, (idx.maxDepth + 1) * ROW_H - height)}px`;
  const top = flameScroll.scrollTop;
  const fromDepth = Math.floor(top / ROW_H);
  const toDepth = Math.ceil((top + height) / ROW_H);
  state.rects = layoutFlame(idx, state.focus, width, { minWidth: MIN_W, fromDepth, toDepth });

  const font = cssVar('--vscode-editor-font-family', 'monospace');
  ctx.font = `12px ${font}`;
  ctx.textBaseline = 'middle';
  const hot = cssVar('--vscode-charts-orange', '#d18616');
  const warm = cssVar('--vscode-charts-yellow', '#cca700');
  const grew = cssVar('--vscode-charts-red', '#f14c4c');
  const shrank = cssVar('--vscode-charts-green', '#89d185');
  const same = cssVar('--vscode-disabledForeground', '#888888');
  const match = cssVar('--vscode-editor-findMatchHighlightBackground', '#ea5c0055');
  const matchBorder = cssVar('--vscode-focusBorder', '#007fd4');
  const text = cssVar('--vscode-editor-foreground', '#cccccc');
  const ancestorsOf = new Set(ancestors(idx, state.focus));
  const searching = state.matches !== undefined && state.matches.count > 0;

  for (const r of state.rects) {
    const n = idx.nodes[r.id];
    const y = r.depth * ROW_H - top;
    const h = ROW_H - 1;
    const w = Math.max(1, r.w - 1);
    const shade = nameHash(n.name);
    if (state.diff) {
      const d = diffShade(n);
      ctx.fillStyle = d.dir === 'grew' ? grew : d.dir === 'shrank' ? shrank : same;
      ctx.globalAlpha = d.dir === 'same' ? 0.25 : 0.3 + 0.7 * d.strength;
    } else {
      ctx.fillStyle = shade < 0.5 ? hot : warm;
      ctx.globalAlpha = 0.55 + 0.4 * shade;
    }
    if (ancestorsOf.has(r.id)) ctx.globalAlpha *= 0.5;
    if (searching && !state.matches!.matched[r.id]) ctx.globalAlpha *= 0.35;
    ctx.fillRect(r.x, y, w, h);
    ctx.globalAlpha = 1;
    if (searching && state.matches!.matched[r.id]) {
      ctx.fillStyle = match;
      ctx.fillRect(r.x, y, w, h);
      ctx.strokeStyle = matchBorder;
      ctx.strokeRect(r.x + 0.5, y + 0.5, w - 1, h - 1);
    }
    if (w > 24) {
      ctx.fillStyle = text;
      const label = r.id === 0 ? fmt(T.allTotal, formatValue(idx.total, unit())) : n.name;
      ctx.save();
      ctx.beginPath();
      ctx.rect(r.x, y, w - 3, h);
      ctx.clip();
      ctx.fillText(fitText(ctx, label, w - 6), r.x + 3, y + h / 2);
      ctx.restore();
    }
  }
  updateA11y();
}

function fitText(ctx: CanvasRenderingContext2D, s: string, max: number): string {
  if (ctx.measureText(s).width <= max) return s;
  // Prefer the tail: Go names are long package paths, the function name comes last.
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ctx.measureText(`…${s.slice(mid)}`).width <= max) hi = mid; else lo = mid + 1;
  }
  return lo >= s.length ? '' : `…${s.slice(lo)}`;
}

function updateA11y(): void {
  const idx = state.idx!;
  const widest = [...state.rects].filter((r) => r.id !== 0).sort((a, b) => b.w - a.w).slice(0, 50);
  a11yList.replaceChildren(...widest.map((r) => {
    const n = idx.nodes[r.id];
    const li = el('li', undefined, `${n.name} ${formatPercent(idx.weight[r.id], idx.total)}`);
    li.dataset.name = n.name;
    return li;
  }));
  canvas.setAttribute('aria-label', fmt(T.flameOf, state.flame?.sampleType.type ?? ''));
}

function rectAt(ev: MouseEvent): FlameRect | undefined {
  const box = canvas.getBoundingClientRect();
  const x = ev.clientX - box.left;
  const depth = Math.floor((ev.clientY - box.top + flameScroll.scrollTop) / ROW_H);
  return hitTest(state.rects, x, depth);
}

canvas.addEventListener('mousemove', (ev) => {
  const r = rectAt(ev);
  const idx = state.idx;
  if (!r || !idx) { tooltip.hidden = true; canvas.style.cursor = ''; return; }
  canvas.style.cursor = 'pointer';
  const n = idx.nodes[r.id];
  const u = unit();
  const lines = [
    n.name,
    state.diff
      ? fmt(T.diffValue, formatValue(n.value, u), formatValue(n.base ?? 0, u), formatValue((n.base ?? 0) + n.value, u))
      : fmt(T.value, formatValue(n.value, u), formatPercent(n.value, idx.total)),
    fmt(T.self, formatValue(n.self, u), formatPercent(n.self, idx.total)),
    n.file ? `${n.file}${n.line ? `:${n.line}` : ''}` : '',
    r.id !== 0 && n.file ? T.clickZoomOpen : T.clickZoom,
  ].filter((s) => s !== '');
  tooltip.replaceChildren(...lines.map((s, i) => el('div', i === 0 ? 'tt-name' : 'tt-line', s)));
  tooltip.hidden = false;
  const pad = 12;
  const tw = tooltip.offsetWidth;
  const th = tooltip.offsetHeight;
  tooltip.style.left = `${Math.min(ev.clientX + pad, window.innerWidth - tw - 4)}px`;
  tooltip.style.top = `${ev.clientY + pad + th > window.innerHeight ? ev.clientY - th - pad : ev.clientY + pad}px`;
});
canvas.addEventListener('mouseleave', () => { tooltip.hidden = true; });
canvas.addEventListener('click', (ev) => {
  const r = rectAt(ev);
  if (!r || !state.idx) return;
  const n = state.idx.nodes[r.id];
  if ((ev.ctrlKey || ev.metaKey) && r.id !== 0 && n.file) {
    post({ type: 'openSource', file: n.file, line: n.line, function: n.name });
    return;
  }
  zoom(r.id === state.focus && r.id !== 0 ? state.idx.parent[r.id] : r.id);
});
flameScroll.addEventListener('scroll', () => draw());
window.addEventListener('resize', () => draw());
resetBtn.addEventListener('click', () => zoom(0));

let searchTimer: ReturnType<typeof setTimeout> | undefined;
searchBox.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => applySearch(searchBox.value), 120);
});
function applySearch(q: string): void {
  state.search = q;
  state.matches = state.idx && q.trim() ? searchFlame(state.idx, q) : undefined;
  updateMatchInfo();
  draw();
  save();
}

// ---- top table -----------------------------------------------------------------------------
const topTable = new TopTable(
  { byFunction, byLine, note: topNote, thead, tbody },
  { unit, strings: () => T, openSource: (m) => post(m), setBy: (by) => post({ type: 'setTopBy', by }) },
);
function renderTop(): void {
  topTable.render(state.top, state.diff);
}
tabFlame.addEventListener('click', () => showTab('flame'));
tabTop.addEventListener('click', () => showTab('top'));
sampleSelect.addEventListener('change', () => post({ type: 'setSampleType', sampleType: sampleSelect.value }));

// ---- messages ------------------------------------------------------------------------------
function showError(message: string | undefined): void {
  errorBox.hidden = !message;
  errorBox.textContent = message ?? '';
}

function onMessage(m: HostToWebview): void {
  switch (m.type) {
    case 'init':
      T = mergeStrings(m.strings);
      applyLabels();
      updateMatchInfo();
      renderBreadcrumb();
      document.title = m.title;
      state.diff = m.diff;
      document.body.classList.toggle('diff', m.diff);
      renderTop();
      sampleSelect.replaceChildren(...m.sampleTypes.map((t) => { const o = el('option', undefined, t); o.value = t; return o; }));
      sampleSelect.hidden = m.sampleTypes.length < 2;
      if (saved.tab === undefined) state.tab = m.tab;
      showTab(state.tab);
      break;
    case 'loading':
      status.textContent = m.message;
      break;
    case 'data':
      status.textContent = '';
      showError(undefined);
      if (m.flame) {
        setFlame(m.flame);
        if (sampleSelect.options.length > 0) sampleSelect.value = m.flame.sampleType.type;
      }
      if (m.top) state.top = m.top;
      renderTop();
      break;
    case 'focus': {
      searchBox.value = m.function;
      applySearch(m.function);
      const id = state.idx ? findHeaviest(state.idx, m.function) : -1;
      if (id > 0) zoom(id);
      showTab('flame');
      break;
    }
    case 'showTab':
      showTab(m.tab);
      break;
    case 'error':
      status.textContent = '';
      showError(m.message);
      break;
  }
}

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as HostToWebview;
  if (typeof m !== 'object' || m === null || typeof m.type !== 'string') return;
  try {
    onMessage(m);
  } catch (err) {
    post({ type: 'error', message: String(err instanceof Error ? err.stack ?? err.message : err).slice(0, 4000) });
  }
});
window.addEventListener('error', (ev) => post({ type: 'error', message: String(ev.message).slice(0, 4000) }));

showTab(state.tab);
renderTop();
post({ type: 'ready' });
