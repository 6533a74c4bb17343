// Starts the Anole language server (dist/server.js over node IPC) and wraps its custom requests.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification, LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions,
} from 'vscode-languageclient/node';
import {
  ClearRequest, DecorationsRequest, DidChangeAnnotationsNotification, HoldRequest, LoadProfileRequest, LoadTraceRequest,
  SettingsSection, StarvationRequest, TimelineRequest, type ClearParams, type DecorationsParams, type DecorationsResult,
  type DidChangeAnnotationsParams, type DidChangeSettingsParams, type HoldParams, type LoadProfileParams, type LoadProfileResult,
  type LoadTraceParams, type LoadTraceResult, type ServerInitOptions, type StarvationParams, type StarvationResult,
  type TimelineParams, type TimelineResult, type UnloadResult,
} from '../core/annotations/protocol';
import { settings } from './settings';

/** The typed face of the language server the features use. */
export interface AnnotationServer {
  loadProfile(params: LoadProfileParams): Promise<LoadProfileResult>;
  decorations(params: DecorationsParams): Promise<DecorationsResult>;
  /** Parses a runtime trace in the server and annotates with its starvation report. */
  loadTrace(params: LoadTraceParams): Promise<LoadTraceResult>;
  /** The starvation report of a loaded trace. */
  starvation(params: StarvationParams): Promise<StarvationResult>;
  /** The trace viewer's lanes and merged spans of a loaded trace in a window. */
  timeline(params: TimelineParams): Promise<TimelineResult>;
  /** Stops annotating (one id, one kind or all); returns the ids no longer loaded. */
  clear(params: ClearParams): Promise<UnloadResult>;
  /** A view holds or releases a loaded profile; returns the ids no longer loaded. */
  hold(params: HoldParams): Promise<UnloadResult>;
  /** Fires on `anole/didChangeAnnotations`. */
  readonly onDidChangeAnnotations: vscode.Event<DidChangeAnnotationsParams>;
  /**
   * Sends the current settings (`workspace/didChangeConfiguration`, the init options' shape): the
   * server applies them live, keeps its profiles and ids, and announces the changed annotations.
   */
  reconfigure(): Promise<void>;
  /** The underlying client (for requests other features add: flame graph, top). */
  readonly client: LanguageClient;
}

function initOptions(log: vscode.LogOutputChannel): ServerInitOptions {
  const a = settings.annotations();
  const pathMappings = settings.pathMappings((m) => log.warn(`anole.pathMappings: ${m}`));
  const t = settings.trace();
  return {
    pathMappings, minPercent: a.minPercent, lensMinPercent: a.lensMinPercent,
    traceDecorations: t.decorations, traceCodeLens: t.codeLens, traceHovers: t.hovers, traceMinWaitMs: t.minWaitMs,
  };
}

/**
 * Creates and starts the client. Go files on disk only; the init options carry the path mappings
 * and annotation thresholds, and `reconfigure()` sends them again when they change.
 */
export async function startLanguageClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<AnnotationServer> {
  const module = context.asAbsolutePath('dist/server.js');
  if (!fs.existsSync(module)) throw new Error(vscode.l10n.t('The Anole language server is missing ({0}); reinstall the extension.', module));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const traceChannel = vscode.window.createOutputChannel('Anole Language Server', { log: true });
  context.subscriptions.push(traceChannel);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'go', scheme: 'file' }],
    // A function: evaluated at every start (the client restarts a crashed server), so it sees the current settings.
    initializationOptions: () => initOptions(log),
    outputChannel: traceChannel,
  };
  const client = new LanguageClient('anole', 'Anole Language Server', serverOptions, clientOptions);
  const changed = new vscode.EventEmitter<DidChangeAnnotationsParams>();
  context.subscriptions.push(changed, { dispose: () => void client.stop().catch(() => undefined) });
  const started = Date.now();
  await client.start();
  log.info(`language server started in ${Date.now() - started} ms`);
  context.subscriptions.push(
    client.onNotification(DidChangeAnnotationsNotification, (p: DidChangeAnnotationsParams | undefined) => changed.fire(p ?? {})),
  );
  return {
    client,
    onDidChangeAnnotations: changed.event,
    loadProfile: (p) => client.sendRequest(LoadProfileRequest, p),
    decorations: (p) => client.sendRequest(DecorationsRequest, p),
    loadTrace: (p) => client.sendRequest(LoadTraceRequest, p),
    starvation: (p) => client.sendRequest(StarvationRequest, p),
    timeline: (p) => client.sendRequest(TimelineRequest, p),
    clear: (p) => client.sendRequest(ClearRequest, p),
    hold: (p) => client.sendRequest(HoldRequest, p),
    reconfigure: async () => {
      const params: DidChangeSettingsParams = { settings: { [SettingsSection]: initOptions(log) } };
      await client.sendNotification(DidChangeConfigurationNotification.type, params);
      log.info('language server reconfigured with the current settings (loaded profiles kept)');
    },
  };
}
