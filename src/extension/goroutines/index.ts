// Goroutine dumps in the editor: fetch one from a service, open one from disk, group it, link its frames.
// This folder: the commands and their registration (index.ts), the dumps held in memory and served as
// `anole-goroutines:` documents (dumpStore.ts), and the links and outline of those documents (links.ts).
// The parsing and grouping are src/core/goroutines; a debug session's Goroutine Groups view is ../debug.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RemoteHost } from '../../core/remote/host';
import { fetchCapture } from '../../core/workflow/endpoint';
import { Commands, registerCommand } from '../commands';
import { asProfileTarget, type ProfileTarget } from '../profile';
import { formatBytes, showError, withCancellableProgress } from '../ui';
import { DUMP_SCHEME, GoroutineDumpStore, type DumpInput, type DumpView } from './dumpStore';
import { GoroutineLinkProvider, GoroutineOutlineProvider, type PathMapper } from './links';
import { dumpGoroutinesViaDebugger, type DebuggerDump } from '../../core/debug/dump';
import { dumpGoroutinesViaSnapshot } from '../../core/debug/snapshotDump';

export { DUMP_SCHEME, type DumpInput, type DumpView } from './dumpStore';

/** The language of goroutine dumps (grammar `source.go-goroutines`, files `*.goroutines`). */
export const GOROUTINES_LANGUAGE = 'go-goroutines';

/** The argument of the dump commands: a dump file (Explorer) or a goroutine document (editor title). */
export type GoroutineDocumentArg = vscode.Uri;

/**
 * A service to dump: a connected host, its pprof index URL ("http://127.0.0.1:6060/debug/pprof/")
 * when it answers, and its pid when known (then gdb/dlv can take the dump of a hung service).
 */
export interface GoroutineTarget {
  host: RemoteHost;
  endpoint?: string;
  pid?: number;
  /** For titles and the report header: "build-7 · pid 4242". */
  label: string;
}

/** What the feature needs from the rest of the extension. */
export interface GoroutineDeps {
  log: vscode.LogOutputChannel;
  /** Asks the user for a host and process; undefined if they cancel. */
  pickTarget(preset?: ProfileTarget): Promise<GoroutineTarget | undefined>;
  /** The local file for a path as a dump prints it, or undefined (links then fall back to the path itself). */
  mapPath: PathMapper;
}

/** What other features (e.g. a debugger adding gdb/dlv dumps) can do with goroutine dumps. */
export interface GoroutineDumps {
  /** Shows a dump in the given view (default: grouped; falls back to raw if it cannot be grouped). */
  openDump(input: DumpInput, view?: DumpView): Promise<vscode.TextEditor | undefined>;
}

/** Largest dump fetched into memory. */
const MAX_DUMP_BYTES = 256 * 1024 * 1024;
/** Files larger than this open as the grouped view directly (VS Code does not hand huge files to extensions). */
const BIG_FILE_BYTES = 32 * 1024 * 1024;

/** What the goroutine commands share: the dumps in memory, the links, and the fetches under way. */
interface Feature {
  log: vscode.LogOutputChannel;
  deps: GoroutineDeps;
  store: GoroutineDumpStore;
  links: GoroutineLinkProvider;
  /** Fetches and debugger stops under way, aborted when the extension is disposed. */
  inflight: Set<AbortController>;
  api: GoroutineDumps;
}

/**
 * Registers the goroutine dump commands (dump from a service, open a file, grouped and raw views),
 * the `anole-goroutines:` documents, file:line links and the grouped view's outline. Everything
 * registered, and any fetch still running, is disposed with the extension.
 */
export function registerGoroutines(context: vscode.ExtensionContext, deps: GoroutineDeps): GoroutineDumps {
  const store = new GoroutineDumpStore();
  const f: Feature = {
    log: deps.log,
    deps,
    store,
    links: new GoroutineLinkProvider(deps.mapPath, deps.log),
    inflight: new Set<AbortController>(),
    api: {
      async openDump(input, view = 'grouped') {
        const id = store.add(input);
        return view === 'grouped' ? showGroupedOrRaw(f, id, input.label) : show(f, id, 'raw');
      },
    },
  };
  const selector: vscode.DocumentSelector = { language: GOROUTINES_LANGUAGE };
  context.subscriptions.push(
    store,
    f.links,
    { dispose: () => f.inflight.forEach((ac) => ac.abort()) },
    vscode.workspace.registerTextDocumentContentProvider(DUMP_SCHEME, store),
    vscode.languages.registerDocumentLinkProvider(selector, f.links),
    vscode.languages.registerDocumentSymbolProvider(selector, new GoroutineOutlineProvider(), { label: vscode.l10n.t('Goroutine groups') }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      f.links.forget(doc.uri);
      if (doc.uri.scheme === DUMP_SCHEME) store.prune();
    }),
    registerCommand(vscode.commands, Commands.dumpGoroutines, (preset) => dumpGoroutines(f, preset)),
    registerCommand(vscode.commands, Commands.openGoroutineDump, (uri) => openGoroutineDump(f, uri)),
    registerCommand(vscode.commands, Commands.showGroupedGoroutines, (uri) => showGrouped(f, uri)),
    registerCommand(vscode.commands, Commands.showRawGoroutines, (uri) => showRaw(f, uri)),
  );
  return f.api;
}

/** Opens one view of a stored dump as a go-goroutines document. */
async function show(f: Feature, id: string, view: DumpView): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(f.store.uri(id, view));
  const typed = doc.languageId === GOROUTINES_LANGUAGE ? doc : await vscode.languages.setTextDocumentLanguage(doc, GOROUTINES_LANGUAGE);
  return vscode.window.showTextDocument(typed, { preview: false });
}

/** Shows the grouped view of a stored dump, or says why not and shows the raw text instead. */
async function showGroupedOrRaw(f: Feature, id: string, label: string): Promise<vscode.TextEditor> {
  try {
    f.store.grouped(id);
  } catch (e) {
    showError(f.log, vscode.l10n.t('Grouping the goroutines of {0} failed', label), e);
    return show(f, id, 'raw');
  }
  return show(f, id, 'grouped');
}

/**
 * anole.dumpGoroutines: picks a service (or takes the one a hand-off names, e.g. from a trace of that
 * process) and a source, dumps its goroutines and shows them grouped.
 */
async function dumpGoroutines(f: Feature, preset?: unknown): Promise<void> {
  let target: GoroutineTarget | undefined;
  try {
    target = await f.deps.pickTarget(asProfileTarget(preset));
  } catch (e) {
    showError(f.log, vscode.l10n.t('Choosing a service failed'), e);
    return;
  }
  if (!target) return;
  const t = target;
  const source = await pickSource(t);
  if (!source) return;
  const capturedAt = new Date();
  const ac = new AbortController();
  f.inflight.add(ac);
  try {
    const dump = await withCancellableProgress(
      vscode.l10n.t('Anole: Dumping goroutines of {0}', t.label),
      (progress, signal) => (source === 'pprof' ? dumpViaPprof(f, t, progress, signal) : dumpViaDebugger(f, t, source, progress, signal)),
      ac,
    );
    await f.api.openDump({ ...dump, label: t.label, capturedAt });
  } catch (e) {
    if (ac.signal.aborted) {
      f.log.info(`goroutine dump of ${t.label} cancelled${source === 'pprof' ? '' : ' (the debugger detached)'}`);
      return;
    }
    showError(f.log, vscode.l10n.t('Dumping the goroutines of {0} failed', t.label), e);
  } finally {
    f.inflight.delete(ac);
  }
}

/** A dump taken, as `openDump` shows it. */
interface TakenDump {
  text: DumpInput['text'];
  source: string;
  pauseMs: number;
}

type DumpProgress = vscode.Progress<{ message?: string }>;

/** Fetches `goroutine?debug=2` from the service's pprof endpoint (no pause). */
async function dumpViaPprof(f: Feature, t: GoroutineTarget, progress: DumpProgress, signal: AbortSignal): Promise<TakenDump> {
  const endpoint = t.endpoint!;
  progress.report({ message: vscode.l10n.t('fetching goroutine?debug=2…') });
  const t0 = performance.now();
  const body = await fetchCapture(t.host, endpoint, { kind: 'goroutine', text: true }, { signal, maxBytes: MAX_DUMP_BYTES });
  const ms = performance.now() - t0;
  f.log.info(`goroutine dump of ${t.label} (${endpoint}): ${formatBytes(body.length)} in ${Math.round(ms)} ms`);
  return { text: body, source: `${t.label} · ${endpoint}`, pauseMs: ms };
}

/** Where the dump comes from: the pprof endpoint (no pause), or dlv/gdb attached for one stop. */
async function pickSource(t: GoroutineTarget): Promise<'pprof' | DumpMethod | undefined> {
  if (t.pid === undefined) return t.endpoint ? 'pprof' : undefined;
  type Item = vscode.QuickPickItem & { value: 'pprof' | DumpMethod };
  const items: Item[] = [];
  if (t.endpoint) items.push({ label: vscode.l10n.t('pprof endpoint'), description: t.endpoint, detail: vscode.l10n.t('No pause: the service writes its own dump.'), value: 'pprof' });
  items.push(
    { label: vscode.l10n.t('fork snapshot'), detail: vscode.l10n.t('gdb forks a stopped copy of the process (a pause of tens of milliseconds), then reads the copy while the service runs (linux/amd64).'), value: 'snapshot' },
    { label: 'dlv', detail: vscode.l10n.t('Attaches Delve for one short stop, then detaches: works when the service no longer answers.'), value: 'dlv' },
    { label: 'gdb', detail: vscode.l10n.t('Attaches gdb for one short stop, then detaches: works when the service no longer answers.'), value: 'gdb' },
  );
  if (items.length === 1) return items[0].value;
  const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Anole: Dump goroutines of {0} from…', t.label) });
  return pick?.value;
}

/** How a dump is taken when the pprof endpoint is not used. */
type DumpMethod = 'snapshot' | 'dlv' | 'gdb';

/**
 * Takes the dump with dlv or gdb attached for one short stop, or from a fork snapshot read while the
 * service runs (works when the service no longer answers).
 */
async function dumpViaDebugger(f: Feature, t: GoroutineTarget, backend: DumpMethod, progress: DumpProgress, signal: AbortSignal): Promise<TakenDump> {
  let dump: DebuggerDump;
  if (backend === 'snapshot') {
    progress.report({ message: vscode.l10n.t('forking a snapshot, then reading it…') });
    dump = await dumpGoroutinesViaSnapshot(t.host, t.pid!, { signal });
  } else {
    progress.report({ message: vscode.l10n.t('attaching {0}…', backend) });
    dump = await dumpGoroutinesViaDebugger(t.host, t.pid!, { backend, signal });
  }
  if (dump.fallback) f.log.warn(`no snapshot of ${t.label}: ${dump.fallback}; read with the process stopped instead`);
  const method = dump.method === 'snapshot' ? vscode.l10n.t('fork snapshot (gdb)') : dump.fallback ? vscode.l10n.t('{0}, stopped (no snapshot: {1})', dump.backend, dump.fallback) : dump.backend;
  f.log.info(`goroutine dump of ${t.label} via ${method}: ${dump.goroutines.length} goroutines, paused at most ${dump.pauseMs} ms`);
  return { text: dump.text, source: `${t.label} · via ${method}`, pauseMs: dump.pauseMs };
}

/** anole.openGoroutineDump: a dump file (asked for when not given) as a go-goroutines document. */
async function openGoroutineDump(f: Feature, uri?: vscode.Uri): Promise<void> {
  const picked = uri ? [uri] : await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Anole: Open Goroutine Dump'),
    openLabel: vscode.l10n.t('Open Dump'),
    canSelectMany: false,
    filters: { [vscode.l10n.t('Goroutine dumps')]: ['goroutines', 'txt', 'log', 'dump'], [vscode.l10n.t('All files')]: ['*'] },
  });
  const file = picked?.[0];
  if (!file) return;
  try {
    const { size } = await vscode.workspace.fs.stat(file);
    if (size > BIG_FILE_BYTES) {
      f.log.info(`${file.toString(true)} is ${formatBytes(size)}: opening its grouped view`);
      await f.api.openDump({ text: await vscode.workspace.fs.readFile(file), label: labelOf(file), source: describe(file) });
      return;
    }
    const doc = await vscode.workspace.openTextDocument(file);
    const typed = doc.languageId === GOROUTINES_LANGUAGE ? doc : await vscode.languages.setTextDocumentLanguage(doc, GOROUTINES_LANGUAGE);
    await vscode.window.showTextDocument(typed, { preview: false });
  } catch (e) {
    showError(f.log, vscode.l10n.t('Opening {0} failed', labelOf(file)), e);
  }
}

/** The grouped view of `uri` (or the active editor): ours by id, any other document by its text. */
async function showGrouped(f: Feature, uri?: vscode.Uri): Promise<void> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a goroutine dump first (Anole: Open Goroutine Dump).'));
    return;
  }
  try {
    const ref = f.store.parse(target);
    if (ref && f.store.has(ref.id)) {
      await showGroupedOrRaw(f, ref.id, labelOf(target));
      return;
    }
    const doc = await vscode.workspace.openTextDocument(target);
    const id = f.store.add({ text: doc.getText(), label: labelOf(target), source: describe(target) });
    f.store.grouped(id);
    await show(f, id, 'grouped');
  } catch (e) {
    showError(f.log, vscode.l10n.t('Grouping the goroutines of {0} failed', labelOf(target)), e);
  }
}

/** The raw text of a grouped view. */
async function showRaw(f: Feature, uri?: vscode.Uri): Promise<void> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  const ref = target && f.store.parse(target);
  if (!ref || !f.store.has(ref.id)) {
    void vscode.window.showInformationMessage(vscode.l10n.t('This is not a goroutine dump Anole holds: use Anole: Open Goroutine Dump.'));
    return;
  }
  try {
    await show(f, ref.id, 'raw');
  } catch (e) {
    showError(f.log, vscode.l10n.t('Showing the raw goroutine dump failed'), e);
  }
}

/** A short name for a document: its file name without the view suffix. */
function labelOf(uri: vscode.Uri): string {
  return path.posix.basename(uri.path).replace(/( \(grouped\))?\.goroutines$/, '') || uri.toString(true);
}

function describe(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString(true);
}
