// Goroutine dumps in the editor: fetch one from a service, open one from disk, group it, link its frames.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RemoteHost } from '../../core/remote/host';
import { fetchCapture } from '../../core/workflow/endpoint';
import { formatBytes, showError } from '../ui';
import { asProfileTarget, type ProfileTarget } from '../profile';
import { DUMP_SCHEME, GoroutineDumpStore, type DumpInput, type DumpView } from './dumpStore';
import { GoroutineLinkProvider, GoroutineOutlineProvider, type PathMapper } from './links';
import { dumpGoroutinesViaDebugger } from '../../core/debug/dump';

export { DUMP_SCHEME, type DumpInput, type DumpView } from './dumpStore';

/** The language of goroutine dumps (grammar `source.go-goroutines`, files `*.goroutines`). */
export const GOROUTINES_LANGUAGE = 'go-goroutines';

/** This feature's command ids (`anole.<verb>`). */
export const GoroutineCommands = {
  dumpGoroutines: 'anole.dumpGoroutines',
  showGroupedGoroutines: 'anole.showGroupedGoroutines',
  showRawGoroutines: 'anole.showRawGoroutines',
  openGoroutineDump: 'anole.openGoroutineDump',
} as const;

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

/**
 * Registers the goroutine dump commands (dump from a service, open a file, grouped and raw views),
 * the `anole-goroutines:` documents, file:line links and the grouped view's outline. Everything
 * registered, and any fetch still running, is disposed with the extension.
 */
export function registerGoroutines(context: vscode.ExtensionContext, deps: GoroutineDeps): GoroutineDumps {
  const { log } = deps;
  const store = new GoroutineDumpStore();
  const links = new GoroutineLinkProvider(deps.mapPath, log);
  const inflight = new Set<AbortController>();

  /** Opens one view of a stored dump as a go-goroutines document. */
  const show = async (id: string, view: DumpView): Promise<vscode.TextEditor> => {
    const doc = await vscode.workspace.openTextDocument(store.uri(id, view));
    const typed = doc.languageId === GOROUTINES_LANGUAGE ? doc : await vscode.languages.setTextDocumentLanguage(doc, GOROUTINES_LANGUAGE);
    return vscode.window.showTextDocument(typed, { preview: false });
  };

  /** Shows the grouped view of a stored dump, or says why not and shows the raw text instead. */
  const showGroupedOrRaw = async (id: string, label: string): Promise<vscode.TextEditor> => {
    try {
      store.grouped(id);
    } catch (e) {
      showError(log, vscode.l10n.t('Grouping the goroutines of {0} failed', label), e);
      return show(id, 'raw');
    }
    return show(id, 'grouped');
  };

  const api: GoroutineDumps = {
    async openDump(input, view = 'grouped') {
      const id = store.add(input);
      return view === 'grouped' ? showGroupedOrRaw(id, input.label) : show(id, 'raw');
    },
  };

  /** From the palette: pick a service; with a target (a hand-off from a trace of that process): that one. */
  const dumpGoroutines = async (preset?: unknown): Promise<void> => {
    let target: GoroutineTarget | undefined;
    try {
      target = await deps.pickTarget(asProfileTarget(preset));
    } catch (e) {
      showError(log, vscode.l10n.t('Choosing a service failed'), e);
      return;
    }
    if (!target) return;
    const t = target;
    const source = await pickSource(t);
    if (!source) return;
    const capturedAt = new Date();
    const ac = new AbortController();
    inflight.add(ac);
    if (source !== 'pprof') {
      try {
        await dumpViaDebugger(t, source, capturedAt, ac);
      } finally {
        inflight.delete(ac);
      }
      return;
    }
    const endpoint = t.endpoint!;
    try {
      const { body, ms } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Anole: Dumping goroutines of {0}', t.label), cancellable: true },
        async (progress, token) => {
          const sub = token.onCancellationRequested(() => ac.abort());
          try {
            progress.report({ message: vscode.l10n.t('fetching goroutine?debug=2…') });
            const t0 = performance.now();
            const body = await fetchCapture(t.host, endpoint, { kind: 'goroutine', text: true }, { signal: ac.signal, maxBytes: MAX_DUMP_BYTES });
            return { body, ms: performance.now() - t0 };
          } finally {
            sub.dispose();
          }
        },
      );
      log.info(`goroutine dump of ${t.label} (${endpoint}): ${formatBytes(body.length)} in ${Math.round(ms)} ms`);
      await api.openDump({ text: body, label: t.label, source: `${t.label} · ${endpoint}`, capturedAt, pauseMs: ms });
    } catch (e) {
      if (ac.signal.aborted) {
        log.info(`goroutine dump of ${t.label} cancelled`);
        return;
      }
      showError(log, vscode.l10n.t('Dumping the goroutines of {0} failed', t.label), e);
    } finally {
      inflight.delete(ac);
    }
  };

  /** Where the dump comes from: the pprof endpoint (no pause), or dlv/gdb attached for one stop. */
  const pickSource = async (t: GoroutineTarget): Promise<'pprof' | 'dlv' | 'gdb' | undefined> => {
    if (t.pid === undefined) return t.endpoint ? 'pprof' : undefined;
    type Item = vscode.QuickPickItem & { value: 'pprof' | 'dlv' | 'gdb' };
    const items: Item[] = [];
    if (t.endpoint) items.push({ label: vscode.l10n.t('pprof endpoint'), description: t.endpoint, detail: vscode.l10n.t('No pause: the service writes its own dump.'), value: 'pprof' });
    items.push(
      { label: 'dlv', detail: vscode.l10n.t('Attaches Delve for one short stop, then detaches: works when the service no longer answers.'), value: 'dlv' },
      { label: 'gdb', detail: vscode.l10n.t('Attaches gdb for one short stop, then detaches: works when the service no longer answers.'), value: 'gdb' },
    );
    if (items.length === 1) return items[0].value;
    const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Anole: Dump goroutines of {0} from…', t.label) });
    return pick?.value;
  };

  const dumpViaDebugger = async (t: GoroutineTarget, backend: 'dlv' | 'gdb', capturedAt: Date, ac: AbortController): Promise<void> => {
    try {
      const dump = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Anole: Dumping goroutines of {0}', t.label), cancellable: true },
        async (progress, token) => {
          const sub = token.onCancellationRequested(() => ac.abort());
          try {
            progress.report({ message: vscode.l10n.t('attaching {0}…', backend) });
            return await dumpGoroutinesViaDebugger(t.host, t.pid!, { backend, signal: ac.signal });
          } finally {
            sub.dispose();
          }
        },
      );
      log.info(`goroutine dump of ${t.label} via ${backend}: ${dump.goroutines.length} goroutines, paused at most ${dump.pauseMs} ms`);
      await api.openDump({ text: dump.text, label: t.label, source: `${t.label} · via ${backend}`, capturedAt, pauseMs: dump.pauseMs });
    } catch (e) {
      if (ac.signal.aborted) {
        log.info(`goroutine dump of ${t.label} cancelled (the debugger detached)`);
        return;
      }
      showError(log, vscode.l10n.t('Dumping the goroutines of {0} failed', t.label), e);
    }
  };

  const openGoroutineDump = async (uri?: vscode.Uri): Promise<void> => {
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
        log.info(`${file.toString(true)} is ${formatBytes(size)}: opening its grouped view`);
        await api.openDump({ text: await vscode.workspace.fs.readFile(file), label: labelOf(file), source: describe(file) });
        return;
      }
      const doc = await vscode.workspace.openTextDocument(file);
      const typed = doc.languageId === GOROUTINES_LANGUAGE ? doc : await vscode.languages.setTextDocumentLanguage(doc, GOROUTINES_LANGUAGE);
      await vscode.window.showTextDocument(typed, { preview: false });
    } catch (e) {
      showError(log, vscode.l10n.t('Opening {0} failed', labelOf(file)), e);
    }
  };

  /** The grouped view of `uri` (or the active editor): ours by id, any other document by its text. */
  const showGrouped = async (uri?: vscode.Uri): Promise<void> => {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!target) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a goroutine dump first (Anole: Open Goroutine Dump).'));
      return;
    }
    try {
      const ref = store.parse(target);
      if (ref && store.has(ref.id)) {
        await showGroupedOrRaw(ref.id, labelOf(target));
        return;
      }
      const doc = await vscode.workspace.openTextDocument(target);
      const id = store.add({ text: doc.getText(), label: labelOf(target), source: describe(target) });
      store.grouped(id);
      await show(id, 'grouped');
    } catch (e) {
      showError(log, vscode.l10n.t('Grouping the goroutines of {0} failed', labelOf(target)), e);
    }
  };

  /** The raw text of a grouped view. */
  const showRaw = async (uri?: vscode.Uri): Promise<void> => {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const ref = target && store.parse(target);
    if (!ref || !store.has(ref.id)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('This is not a goroutine dump Anole holds: use Anole: Open Goroutine Dump.'));
      return;
    }
    try {
      await show(ref.id, 'raw');
    } catch (e) {
      showError(log, vscode.l10n.t('Showing the raw goroutine dump failed'), e);
    }
  };

  const selector: vscode.DocumentSelector = { language: GOROUTINES_LANGUAGE };
  context.subscriptions.push(
    store,
    links,
    { dispose: () => inflight.forEach((ac) => ac.abort()) },
    vscode.workspace.registerTextDocumentContentProvider(DUMP_SCHEME, store),
    vscode.languages.registerDocumentLinkProvider(selector, links),
    vscode.languages.registerDocumentSymbolProvider(selector, new GoroutineOutlineProvider(), { label: vscode.l10n.t('Goroutine groups') }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      links.forget(doc.uri);
      if (doc.uri.scheme === DUMP_SCHEME) store.prune();
    }),
    vscode.commands.registerCommand(GoroutineCommands.dumpGoroutines, dumpGoroutines),
    vscode.commands.registerCommand(GoroutineCommands.openGoroutineDump, openGoroutineDump),
    vscode.commands.registerCommand(GoroutineCommands.showGroupedGoroutines, showGrouped),
    vscode.commands.registerCommand(GoroutineCommands.showRawGoroutines, showRaw),
  );
  return api;
}

/** A short name for a document: its file name without the view suffix. */
function labelOf(uri: vscode.Uri): string {
  return path.posix.basename(uri.path).replace(/( \(grouped\))?\.goroutines$/, '') || uri.toString(true);
}

function describe(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString(true);
}
