// Anole's VS Code entry point: creates the shared services and registers each feature.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RequestSender } from '../core/annotations/protocol';
import { errorMessage } from '../core/errors';
import * as backends from './backends';
import * as capturesView from './capturesView';
import * as compareSources from './compareSources';
import * as coreDumps from './coreDumps';
import { CaptureStore, CORE_KIND } from './captureStore';
import { Commands, registerCommand } from './commands';
import { Connections } from './connections';
import * as debug from './debug';
import * as decorations from './decorations';
import * as doctorView from './doctorView';
import * as goroutineGroupsView from './debug/goroutineGroupsView';
import * as fleet from './fleet';
import * as hostsView from './hostsView';
import { startLanguageClient, type AnnotationServer } from './languageClient';
import * as profile from './profile';
import * as trace from './trace';
import { affects, SettingKeys } from './settings';
import { showError } from './ui';
import { registerGoroutines, type GoroutineDumps } from './goroutines';
import { WorkspacePathMapper } from './pathMapping';
import { registerProfileViews } from './views';

/** What activate() hands to other features (views, goroutine dumps, the debugger). */
export interface AnoleApi {
  log: vscode.LogOutputChannel;
  /** The language server once started; undefined if it failed to start. */
  server(): AnnotationServer | undefined;
  /** Sends a typed request (core/annotations/protocol.ts) to the language server, waiting for it to start. */
  request: RequestSender['sendRequest'];
  store: CaptureStore;
  connections: Connections;
  /** Target picking, capture, loading (loadFile, listProfiles, pickEndpoint). */
  profiler: profile.Profiler;
  /** Opens goroutine dumps from other sources (the debugger adds gdb/dlv dumps). */
  goroutines: GoroutineDumps;
}

export async function activate(context: vscode.ExtensionContext): Promise<AnoleApi> {
  const started = Date.now();
  const log = vscode.window.createOutputChannel('Anole', { log: true });
  context.subscriptions.push(log, registerCommand(vscode.commands, Commands.showLog, () => log.show()));
  let server: AnnotationServer | undefined;
  const getServer = () => server;
  const connections = new Connections(context.secrets, log);
  const store = new CaptureStore(path.join(context.globalStorageUri.fsPath, 'captures'));
  context.subscriptions.push(connections);
  let profiler: profile.Profiler | undefined;
  let goroutines: GoroutineDumps | undefined;
  let serverReady: Promise<AnnotationServer> | undefined;
  const whenServer = async () => serverReady?.catch(() => undefined);
  try {
    let tracer: trace.Tracer | undefined;
    const deco = decorations.register(context, { server: getServer, log, onCleared: (ids) => { profiler?.forget(ids); tracer?.forget(ids); } });
    profiler = profile.register(context, { context, log, connections, store, whenServer });
    hostsView.register(context, { context, log, connections, store, whenServer, profiler });
    tracer = trace.register(context, { context, log, profiler, whenServer, captureOf: (file) => store.list().find((c) => c.file === file) });
    capturesView.register(context, { store, profiler, log, openTrace: (m) => tracer!.load(m) });
    const backendFlow = backends.register(context, { context, log, store, profiler });
    const p = profiler;
    const request: RequestSender['sendRequest'] = async (type, params) => {
      const s = await whenServer();
      if (!s) throw new Error(vscode.l10n.t('the language server is not running'));
      return s.client.sendRequest(type, params);
    };
    context.subscriptions.push(registerProfileViews(context, {
      client: { sendRequest: request },
      log,
      loadProfile: (file, label, annotate) => p.loadFile(file, label, annotate),
      holdProfile: (id, hold) => p.hold(id, hold),
      liveId: (id) => p.liveId(id),
      listProfiles: () => [...p.listProfiles()],
      listCaptures: () => store.list().filter((c) => c.kind !== CORE_KIND).map((c) => ({ file: c.file, label: profile.captureLabel(c) })),
    }));
    debug.register(context, { log, profiler: p });
    coreDumps.register(context, { log, connections, store, profiler: p });
    fleet.register(context, { log, connections, store, profiler: p });
    compareSources.register(context, {
      log, backends: backendFlow, profiler: p,
      loadProfile: (file, label) => p.loadFile(file, label, false),
      holdProfile: (id, hold) => p.hold(id, hold),
    });
    doctorView.register(context, { log, connections, profiler: p });
    const paths = new WorkspacePathMapper(log);
    context.subscriptions.push(paths);
    goroutineGroupsView.register(context, { paths, log });
    goroutines = registerGoroutines(context, {
      log,
      pickTarget: (preset) => p.pickEndpoint(preset),
      mapPath: (remotePath) => paths.toUri(remotePath),
    });
    log.info(`activated in ${Date.now() - started} ms`);
    // The server starts in the background: commands work (and say so) before it is up.
    serverReady = startLanguageClient(context, log);
    serverReady.then(
      (s) => {
        server = s;
        deco.attach(s);
        context.subscriptions.push(watchServerSettings(s, log));
        log.info(`language client ready ${Date.now() - started} ms after activation began`);
      },
      (e: unknown) => {
        log.error(`the language server did not start: ${errorMessage(e)}`);
        void vscode.window.showErrorMessage(vscode.l10n.t('Anole: the language server did not start: {0}', errorMessage(e)));
      },
    );
  } catch (e) {
    log.error(`activation failed: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Anole failed to start: {0}', errorMessage(e)));
    throw e;
  }
  const ready = serverReady;
  return {
    log, server: getServer, store, connections, profiler: profiler!, goroutines: goroutines!,
    request: async (type, params) => (await ready).client.sendRequest(type, params),
  };
}

/**
 * When path mappings or thresholds change, send them to the server (debounced): it annotates its
 * profiles again, keeping their ids (open flame graphs stay valid), and announces the change, so
 * decorations and CodeLens refresh without a window reload.
 */
function watchServerSettings(s: AnnotationServer, log: vscode.LogOutputChannel): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  const sub = vscode.workspace.onDidChangeConfiguration((e) => {
    if (!affects(e, SettingKeys.pathMappings, SettingKeys.annotationsMinPercent, SettingKeys.annotationsLensMinPercent,
      SettingKeys.traceDecorations, SettingKeys.traceCodeLens, SettingKeys.traceHovers, SettingKeys.traceMinWaitMs)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      void s.reconfigure()
        .catch((err: unknown) => showError(log, vscode.l10n.t('Sending the changed settings to the Anole language server failed'), err));
    }, 500);
  });
  return { dispose: () => { clearTimeout(timer); sub.dispose(); } };
}

export function deactivate(): void {
  // Everything is in context.subscriptions and disposed by VS Code.
}
