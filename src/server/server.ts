// Wires the Anole language server onto an LSP connection: lifecycle, standard features and the anole/* methods.
import * as fs from 'node:fs';
import {
  CodeLensRefreshRequest,
  type Connection,
  type DidChangeConfigurationParams,
  type InitializeParams,
  type InitializeResult,
  LSPErrorCodes,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  ClearRequest,
  CompareRequest,
  type CompareResult,
  DecorationsRequest,
  type DidChangeSettingsParams,
  type DidChangeAnnotationsParams,
  DidChangeAnnotationsNotification,
  FlameGraphRequest,
  HoldRequest,
  type LoadProfileResult,
  LoadProfileRequest,
  type LoadTraceResult,
  LoadTraceRequest,
  Methods,
  SettingsSection,
  StarvationRequest,
  TimelineRequest,
  TopRequest,
  type UnloadResult,
} from '../core/annotations';
import { errorMessage, isAnoleError } from '../core/errors';
import { unusedSubstitutions } from '../core/pathmap';
import { isNormalizeMode } from '../core/pprof/normalize';
import { Comparisons } from './compare';
import { codeLenses, decorations, flame, hover, topRows } from './features';
import { type ServerSettings, readSettings, settingsDiff, thresholds } from './settings';
import { type ProfileEntry, ProfileStore, filesOf } from './store';
import { timeline } from './traceTimeline';
import { starvation, traceDecorations, traceHandoffLenses, traceHoverParts, traceLenses } from './traceFeatures';
import { type TraceEntry, TraceStore, traceFilesOf } from './traceStore';
import { pathToUri, uriToPath } from './uri';
import { type WorkspaceConfig, buildMapping } from './workspace';

/** Turns any failure into a ResponseError whose message is the user-facing text. */
function toResponseError(e: unknown): ResponseError<void> {
  if (e instanceof ResponseError) return e;
  const message = errorMessage(e);
  return new ResponseError(LSPErrorCodes.RequestFailed, message);
}

/** Runs a handler, logging and rethrowing failures as ResponseErrors (the server keeps running). */
function guarded<P, R>(conn: Connection, name: string, fn: (p: P) => R | Promise<R>): (p: P) => Promise<R> {
  return async (p: P) => {
    try {
      return await fn(p);
    } catch (e) {
      const err = toResponseError(e);
      conn.console.warn(`${name} failed: ${err.message}`);
      if (!isAnoleError(e) && e instanceof Error && e.stack) conn.console.log(e.stack);
      throw err;
    }
  };
}

/** Registers every handler on the connection and starts listening. */
export function startServer(conn: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const cfg: WorkspaceConfig = { folders: [], substitutions: [] };
  let opts: ServerSettings = readSettings(undefined);
  let codeLensRefresh = false;
  let mapping = buildMapping(cfg);
  let store = new ProfileStore(mapping.mapper, thresholds(opts));
  let traces = new TraceStore(mapping.mapper, opts.trace.minWaitMs);
  let compares = new Comparisons(mapping.mapper, opts.minPercent);

  const text = (path: string): string | undefined => {
    const open = documents.get(pathToUri(path));
    if (open) return open.getText();
    try {
      return fs.readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };

  const rescan = (): void => {
    mapping = buildMapping(cfg);
    conn.console.info(
      `workspace: ${cfg.folders.length} folder(s), ${mapping.goFiles} Go file(s)${mapping.truncated ? ' (scan truncated)' : ''}, ` +
        `modules: ${mapping.modules.join(', ') || 'none'}`,
    );
  };

  const changed = (entries: ProfileEntry[], all = false, traceEntries: TraceEntry[] = []): void => {
    const uris = [...new Set([...entries.flatMap(filesOf), ...traceEntries.flatMap(traceFilesOf)])].map(pathToUri);
    const params: DidChangeAnnotationsParams = all ? {} : { uris };
    void conn.sendNotification(DidChangeAnnotationsNotification, params);
    if (codeLensRefresh) conn.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  };

  /** Announces changed comparison decorations (no CodeLens change). */
  const compareChanged = (files: string[]): void => {
    if (files.length > 0) void conn.sendNotification(DidChangeAnnotationsNotification, { uris: files.map(pathToUri) });
  };

  /** Ends comparisons whose profiles were unloaded. */
  const pruneCompares = (): void => compareChanged(compares.prune(store));

  conn.onInitialize((params: InitializeParams): InitializeResult => {
    opts = readSettings(params.initializationOptions);
    const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)) ?? [params.rootUri ? uriToPath(params.rootUri) : params.rootPath ?? undefined];
    cfg.folders = folders.filter((f): f is string => !!f);
    cfg.substitutions = opts.pathMappings;
    cfg.maxScanFiles = opts.maxScanFiles;
    codeLensRefresh = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    rescan();
    store = new ProfileStore(mapping.mapper, thresholds(opts));
    traces = new TraceStore(mapping.mapper, opts.trace.minWaitMs);
    compares = new Comparisons(mapping.mapper, opts.minPercent);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'anole-language-server', version: '0.1.0' },
    };
  });

  conn.onInitialized(() => {
    conn.workspace.onDidChangeWorkspaceFolders((ev) => {
      const removed = new Set(ev.removed.map((f) => uriToPath(f.uri)));
      cfg.folders = cfg.folders.filter((f) => !removed.has(f));
      for (const f of ev.added) {
        const p = uriToPath(f.uri);
        if (p && !cfg.folders.includes(p)) cfg.folders.push(p);
      }
      rescan();
      store.remap(mapping.mapper);
      traces.remap(mapping.mapper);
      compares.remap(store, mapping.mapper, opts.minPercent);
      changed([], true);
    });
  });

  // Settings change live (see DidChangeSettingsParams): loaded profiles and their ids stay.
  conn.onDidChangeConfiguration((p: DidChangeConfigurationParams) => {
    const raw = (p as DidChangeSettingsParams | undefined)?.settings?.[SettingsSection];
    if (raw === null || typeof raw !== 'object') return;
    const next = readSettings(raw);
    const what = settingsDiff(opts, next);
    opts = next; // the flame-graph default applies from the next request
    if (!what.mapping && !what.thresholds && !what.trace) return;
    if (what.mapping) {
      cfg.substitutions = next.pathMappings;
      cfg.maxScanFiles = next.maxScanFiles;
      rescan();
    }
    store.remap(mapping.mapper, thresholds(next));
    traces.remap(mapping.mapper, next.trace.minWaitMs);
    compares.remap(store, mapping.mapper, next.minPercent);
    conn.console.info(
      `settings changed (${[what.mapping && 'path mappings', what.thresholds && `thresholds ${next.minPercent}%/${next.lensMinPercent}%`, what.trace && 'trace annotations']
        .filter(Boolean).join(', ')}): ${store.all().length} loaded profile(s) annotated again`,
    );
    changed([], true);
  });

  conn.onRequest(
    LoadProfileRequest,
    guarded(conn, LoadProfileRequest.method, async (p): Promise<LoadProfileResult> => {
      if (!p || typeof p.path !== 'string' || p.path === '') throw new ResponseError(LSPErrorCodes.RequestFailed, 'loadProfile needs a profile file path');
      if (p.kind === 'trace') throw new ResponseError(LSPErrorCodes.RequestFailed, `${p.path} is a runtime trace: load it with ${Methods.loadTrace}`);
      const { entry, replaced, unloaded } = await store.load(p);
      const a = entry.annotations;
      conn.console.info(
        `loaded ${entry.id}: ${entry.kind} profile ${p.path} (${a.sampleType.type}), ${a.files.size} annotated file(s), ` +
          `${a.unmappedFiles.length} unmapped`,
      );
      for (const w of a.warnings) conn.console.warn(`${entry.id}: ${w}`);
      const recorded = [...new Set(entry.profile.functions.map((f) => f.filename).filter((f) => f !== ''))];
      for (const w of unusedSubstitutions(cfg.substitutions, recorded, (f) => mapping.mapper.explain(f))) conn.console.warn(`${entry.id}: ${w}`);
      if (replaced.length > 0) {
        conn.console.info(`${entry.id} replaces ${replaced.map((e) => e.id).join(', ')} in the annotations` +
          (unloaded.length > 0 ? ` (unloaded ${unloaded.map((e) => e.id).join(', ')})` : ''));
      }
      if (entry.annotates) changed([entry, ...replaced]);
      if (unloaded.length > 0) pruneCompares();
      return {
        id: entry.id,
        kind: entry.kind,
        sampleType: { type: a.sampleType.type, unit: a.sampleType.unit },
        total: a.total,
        mappedFiles: a.mappedFiles,
        unmappedFiles: a.unmappedFiles,
        warnings: [...entry.profile.warnings, ...a.warnings],
        replaced: unloaded.map((e) => e.id),
      };
    }),
  );

  conn.onRequest(
    LoadTraceRequest,
    guarded(conn, LoadTraceRequest.method, async (p): Promise<LoadTraceResult> => {
      if (!p || typeof p.path !== 'string' || p.path === '') throw new ResponseError(LSPErrorCodes.RequestFailed, 'loadTrace needs a trace file path');
      const t0 = Date.now();
      const { entry, replaced, unloaded } = await traces.load(p);
      if (entry.reading) {
        conn.console.info(`loading ${entry.id}: trace ${p.path}, a generation at a time (the report follows when it is read)`);
        entry.ready.then(
          () => conn.console.info(`loaded ${entry.id}: ${entry.report.goVersion} trace ${p.path} in ${Date.now() - t0} ms, ${entry.report.groups.length} goroutine group(s)`),
          (e: unknown) => conn.console.warn(`${entry.id}: reading ${p.path} failed: ${errorMessage(e)}`),
        );
        return {
          id: entry.id, loading: true, goVersion: '', durationNs: 0, gomaxprocs: 0, groups: 0, mappedFiles: 0, unmappedFiles: [], warnings: [],
          replaced: unloaded.map((e) => e.id),
        };
      }
      const r = entry.report;
      const n = entry.notes;
      conn.console.info(
        `loaded ${entry.id}: ${r.goVersion} trace ${p.path} in ${Date.now() - t0} ms, ${r.groups.length} goroutine group(s), ` +
          `${n.files.size} annotated file(s), ${n.unmappedFiles.length} unmapped`,
      );
      for (const w of r.warnings) conn.console.warn(`${entry.id}: ${w}`);
      const recorded = [...new Set(r.lines.map((l) => l.file).filter((f) => f !== ''))];
      for (const w of unusedSubstitutions(cfg.substitutions, recorded, (f) => mapping.mapper.explain(f))) conn.console.warn(`${entry.id}: ${w}`);
      if (entry.annotates) changed([], false, [entry, ...replaced]);
      return {
        id: entry.id,
        goVersion: r.goVersion,
        durationNs: r.durationNs,
        gomaxprocs: r.gomaxprocs,
        groups: r.groups.length,
        mappedFiles: n.mappedFiles,
        unmappedFiles: n.unmappedFiles,
        warnings: r.warnings,
        replaced: unloaded.map((e) => e.id),
      };
    }),
  );

  conn.onRequest(
    StarvationRequest,
    guarded(conn, StarvationRequest.method, async (p) => starvation(await traces.reportOf(p?.id), (f) => mapping.mapper.map(f))),
  );

  conn.onRequest(
    TimelineRequest,
    guarded(conn, TimelineRequest.method, async (p) => timeline(p?.id, await traces.timelineOf(p?.id), p, (f) => mapping.mapper.map(f))),
  );

  conn.onRequest(
    DecorationsRequest,
    guarded(conn, DecorationsRequest.method, (p) => {
      const file = uriToPath(p.uri);
      return { ...decorations(store, p.uri, file), ...traceDecorations(traces, file, opts.trace), compare: compares.decorations(file) };
    }),
  );

  conn.onRequest(
    ClearRequest,
    guarded(conn, ClearRequest.method, (p) => {
      const q = p ?? {};
      const { cleared, unloaded } = q.kind === 'trace' ? { cleared: [], unloaded: [] } : store.clear(q);
      const t = q.kind === undefined || q.kind === 'trace' ? traces.clear(q.id) : { cleared: [], unloaded: [] };
      if (cleared.length > 0 || t.cleared.length > 0) changed(cleared, false, t.cleared);
      if (unloaded.length > 0) pruneCompares();
      return { unloaded: [...unloaded, ...t.unloaded].map((e) => e.id) } satisfies UnloadResult;
    }),
  );

  conn.onRequest(
    HoldRequest,
    guarded(conn, HoldRequest.method, (p): UnloadResult => {
      if (!p || typeof p.id !== 'string' || typeof p.hold !== 'boolean') throw new ResponseError(LSPErrorCodes.RequestFailed, 'hold needs { id, hold }');
      const unloaded = traces.has(p.id) ? traces.hold(p.id, p.hold) : store.hold(p.id, p.hold);
      if (unloaded.length > 0) {
        conn.console.info(`unloaded ${p.id}: no view shows it any more`);
        pruneCompares();
      }
      return { unloaded: unloaded.map((e) => e.id) };
    }),
  );

  conn.onRequest(
    CompareRequest,
    guarded(conn, CompareRequest.method, (p): CompareResult => {
      if (!p || typeof p.id !== 'string' || typeof p.baseId !== 'string' || typeof p.active !== 'boolean') {
        throw new ResponseError(LSPErrorCodes.RequestFailed, 'compare needs { id, baseId, active }');
      }
      if (p.normalize !== undefined && !isNormalizeMode(p.normalize)) {
        throw new ResponseError(LSPErrorCodes.RequestFailed, `compare: normalize is none, total or per-second, not ${JSON.stringify(p.normalize)}`);
      }
      if (p.active) {
        store.get(p.baseId);
        store.get(p.id);
      }
      const { active, files } = compares.set(store, p);
      compareChanged(files);
      const notes = active?.notes;
      if (p.active && notes) {
        conn.console.info(`comparing ${p.id} with baseline ${p.baseId} (${notes.normalize}): ${notes.lines} line(s) in ${notes.files.size} file(s) changed`);
      }
      return { lines: p.active ? notes?.lines ?? 0 : 0, files: p.active ? notes?.files.size ?? 0 : 0, normalize: active?.normalize ?? p.normalize ?? 'total' };
    }),
  );

  conn.onRequest(
    FlameGraphRequest,
    guarded(conn, FlameGraphRequest.method, (p) =>
      flame(store.get(p.id), p, p.baseId ? store.get(p.baseId) : undefined, opts.flameMinFraction),
    ),
  );

  conn.onRequest(
    TopRequest,
    guarded(conn, TopRequest.method, (p) =>
      topRows(store.get(p.id), p, (f) => mapping.mapper.map(f), p.baseId ? store.get(p.baseId) : undefined),
    ),
  );

  conn.onCodeLens(
    guarded(conn, 'textDocument/codeLens', (p) => {
      const file = uriToPath(p.textDocument.uri);
      return [...codeLenses(store, file, text), ...traceHandoffLenses(store, file, text, opts.trace), ...traceLenses(traces, file, text, opts.trace)];
    }),
  );
  conn.onHover(
    guarded(conn, 'textDocument/hover', (p) => {
      const file = uriToPath(p.textDocument.uri);
      const h = hover(store, file, p.position.line, text);
      const vs = compares.hover(file, p.position.line + 1);
      const extra = [...(vs ? [vs] : []), ...traceHoverParts(traces, file, p.position.line, text, opts.trace)];
      if (extra.length === 0) return h;
      const base = h && typeof h.contents === 'object' && 'value' in h.contents ? [h.contents.value] : [];
      return { contents: { kind: 'markdown' as const, value: [...base, ...extra].join('\n\n---\n\n') } };
    }),
  );

  documents.listen(conn);
  conn.listen();
}
