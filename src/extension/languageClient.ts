// Starts the Anole language server (dist/server.js over node IPC) and wraps its custom requests.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  Methods, type ClearParams, type DecorationsParams, type DecorationsResult, type DidChangeAnnotationsParams,
  type LoadProfileParams, type LoadProfileResult, type ServerInitOptions,
} from '../core/annotations/protocol';
import { settings } from './settings';

/** The typed face of the language server the features use. */
export interface AnnotationServer {
  loadProfile(params: LoadProfileParams): Promise<LoadProfileResult>;
  decorations(params: DecorationsParams): Promise<DecorationsResult>;
  clear(params: ClearParams): Promise<void>;
  /** Fires on `anole/didChangeAnnotations`. */
  readonly onDidChangeAnnotations: vscode.Event<DidChangeAnnotationsParams>;
  /** Restarts the server with the current settings as init options (its profiles are dropped). */
  restart(): Promise<void>;
  /** The underlying client (for requests other features add: flame graph, top). */
  readonly client: LanguageClient;
}

function initOptions(): ServerInitOptions {
  const a = settings.annotations();
  return { pathMappings: settings.pathMappings(), minPercent: a.minPercent, lensMinPercent: a.lensMinPercent };
}

/**
 * Creates and starts the client. Go files on disk only; settings under `anole` are synchronised
 * (workspace/didChangeConfiguration), and the init options carry the annotation thresholds.
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
    synchronize: { configurationSection: 'anole' },
    // A function: evaluated at every (re)start, so a restart picks up changed settings.
    initializationOptions: () => initOptions(),
    outputChannel: traceChannel,
  };
  const client = new LanguageClient('anole', 'Anole Language Server', serverOptions, clientOptions);
  const changed = new vscode.EventEmitter<DidChangeAnnotationsParams>();
  context.subscriptions.push(changed, { dispose: () => void client.stop().catch(() => undefined) });
  const started = Date.now();
  await client.start();
  log.info(`language server started in ${Date.now() - started} ms`);
  context.subscriptions.push(
    client.onNotification(Methods.didChangeAnnotations, (p: DidChangeAnnotationsParams | undefined) => changed.fire(p ?? {})),
  );
  return {
    client,
    onDidChangeAnnotations: changed.event,
    loadProfile: (p) => client.sendRequest<LoadProfileResult>(Methods.loadProfile, p),
    decorations: (p) => client.sendRequest<DecorationsResult>(Methods.decorations, p),
    clear: async (p) => {
      await client.sendRequest(Methods.clear, p);
    },
    restart: async () => {
      await client.stop();
      await client.start();
      log.info('language server restarted with the current settings');
    },
  };
}
