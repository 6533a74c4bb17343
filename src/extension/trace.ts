// "Trace Remote Service": capture a runtime trace like a profile, let the server analyze it, show the starvation report.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ShowStarvationArgs, TimelineParams, TraceHandoffArgs, TraceLensArgs } from '../core/annotations/protocol';
import type { GoProcess } from '../core/discovery/processes';
import { AnoleError, errorMessage } from '../core/errors';
import type { HandoffAction } from '../core/webview/messages';
import type { CaptureMeta } from './captureStore';
import { Commands, ContextKeys, registerCommand, runCommand } from './commands';
import { DEBUG_TYPE } from './debug';
import type { AnnotationServer } from './languageClient';
import { describeProcess, type Profiler, type ProfileTarget } from './profile';
import { settings } from './settings';
import { guarded, showError } from './ui';
import { showStarvation } from './views/starvationView';
import { panelOptions } from './views/webviewHelper';

/** The custom editor of `*.trace` and `trace.out`. */
export const TRACE_EDITOR_VIEW_TYPE = 'anole.traceEditor';
const REPORT_PANEL_VIEW_TYPE = 'anole.starvationReport';

export interface TracerDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  profiler: Profiler;
  whenServer(): Promise<AnnotationServer | undefined>;
  /** The stored capture of a trace file, if Anole captured it (it records the process). */
  captureOf?(file: string): CaptureMeta | undefined;
}

/** Trace capture, loading into the server, and the report views. */
export class Tracer {
  /** The trace that annotates the source, if any. */
  private annotating?: { id: string; label: string };
  /** The process each loaded trace was captured from (trace id → target), for the hand-offs to other stages. */
  private readonly targets = new Map<string, ProfileTarget>();

  constructor(private readonly deps: TracerDeps) {}

  private async server(): Promise<AnnotationServer> {
    const s = await this.deps.whenServer();
    if (!s) throw new AnoleError('BAD_INPUT', vscode.l10n.t('The Anole language server is not running.'));
    return s;
  }

  /** Forgets traces the server unloaded (cleared or replaced). */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.targets.delete(id);
    if (!this.annotating || !ids.includes(this.annotating.id)) return;
    this.annotating = undefined;
    void vscode.commands.executeCommand('setContext', ContextKeys.hasTrace, false);
  }

  /** Picks a target (as Profile Remote Service does) unless given, records a trace, and annotates with it. */
  async traceInteractive(preset?: ProfileTarget): Promise<CaptureMeta | undefined> {
    const target = preset ?? (await this.deps.profiler.pickTarget());
    if (!target) return undefined;
    try {
      return await this.deps.profiler.captureWithProgress(target, 'trace', {
        seconds: settings.trace().seconds,
        title: vscode.l10n.t('Anole: Tracing {0}', target.label),
        cancelled: vscode.l10n.t('Tracing cancelled'),
        ext: '.trace',
        load: (m) => this.load(m),
      });
    } catch (e) {
      showError(this.deps.log, vscode.l10n.t('Tracing {0} failed', target.label), e);
      return undefined;
    }
  }

  /** Sends a stored trace capture to the server, which analyzes it and annotates the source. */
  async load(m: CaptureMeta): Promise<void> {
    const server = await this.server();
    const label = `${m.host}${m.pid ? ` pid ${m.pid}` : ''}, ${new Date(m.time).toLocaleTimeString()}`;
    const res = await server.loadTrace({ path: m.file, label });
    this.annotating = { id: res.id, label };
    for (const id of res.replaced) this.targets.delete(id);
    this.targets.set(res.id, targetOf(m));
    this.deps.log.info(
      `loaded trace ${m.id} as ${res.id}: ${res.goVersion}, ${res.groups} goroutine group(s), ${res.mappedFiles} file(s) mapped, ${res.unmappedFiles.length} not`,
    );
    for (const w of res.warnings) this.deps.log.warn(w);
    await vscode.commands.executeCommand('setContext', ContextKeys.hasAnnotations, true);
    await vscode.commands.executeCommand('setContext', ContextKeys.hasTrace, true);
    const show = vscode.l10n.t('Show Report');
    let message: string | undefined;
    if (res.warnings.length) message = res.warnings[0];
    else if (res.mappedFiles === 0) message = vscode.l10n.t('The trace has no waits in this workspace\'s files ({0} unmapped).', res.unmappedFiles.length);
    if (message) {
      void vscode.window.showWarningMessage(message, show).then((a) => {
        if (a === show) void this.showReport({ traceId: res.id });
      });
    }
  }

  /** Opens the starvation report of a loaded trace (default: the annotating one) in a panel. */
  async showReport(args?: ShowStarvationArgs): Promise<void> {
    const id = args?.traceId ?? this.annotating?.id;
    if (!id) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No runtime trace is loaded: run Anole: Trace Remote Service or open a trace file.'));
      return;
    }
    const server = await this.server();
    const title = vscode.l10n.t('Starvation: {0}', this.annotating?.id === id ? this.annotating.label : id);
    const panel = vscode.window.createWebviewPanel(REPORT_PANEL_VIEW_TYPE, title, vscode.ViewColumn.Active, panelOptions(this.deps.context.extensionUri));
    const view = showStarvation(panel.webview, this.viewDeps(server), id, title, args?.function);
    panel.onDidDispose(() => view.dispose());
  }

  /** The custom editor: loads a local trace file for the view only (held while it is open). */
  editorProvider(): vscode.CustomReadonlyEditorProvider {
    return {
      openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
      resolveCustomEditor: (doc, panel) => {
        const name = path.basename(doc.uri.path);
        const server = this.server();
        server.catch(() => undefined); // its error is the load's (below)
        // The page boots while the server opens the trace; it is read progressively, so the timeline
        // draws what is read so far.
        const loading = (async () => {
          if (doc.uri.scheme !== 'file') throw new AnoleError('BAD_INPUT', vscode.l10n.t('Only local trace files can be opened ({0}).', doc.uri.toString()));
          const res = await (await server).loadTrace({ path: doc.uri.fsPath, label: name, replace: false, progressive: true });
          for (const w of res.warnings) this.deps.log.warn(`${name}: ${w}`);
          const captured = this.deps.captureOf?.(doc.uri.fsPath);
          if (captured) this.targets.set(res.id, targetOf(captured));
          return { id: res.id, progressive: res.loading === true };
        })();
        const view = showStarvation(panel.webview, this.viewDeps(server), loading, name);
        let closed = false;
        panel.onDidDispose(() => {
          closed = true;
          view.dispose();
          // A trace that failed to load holds nothing (its error is shown below).
          void loading.then(async ({ id }) => {
            this.targets.delete(id);
            await (await server).hold({ id, hold: false });
          }, () => undefined).catch((e: unknown) => this.deps.log.warn(`releasing ${name}: ${errorMessage(e)}`));
        });
        loading.catch((e: unknown) => {
          showError(this.deps.log, vscode.l10n.t('Opening {0} failed', name), e);
          if (!closed) panel.dispose();
        });
      },
    };
  }

  private viewDeps(server: AnnotationServer | Promise<AnnotationServer>) {
    return {
      extensionUri: this.deps.context.extensionUri,
      log: this.deps.log,
      starvation: async (id: string) => (await server).starvation({ id }),
      timeline: async (p: TimelineParams) => (await server).timeline(p),
      target: (id: string) => {
        const t = this.targets.get(id);
        return t && (t.pid ? `${t.label} · pid ${t.pid}` : t.label);
      },
      handoff: (id: string, action: HandoffAction) => this.handoff(id, action),
    };
  }

  /**
   * Hands the process a trace came from over to another stage, through the existing commands: a goroutine
   * dump, a debugger attach, a CPU profile (what the culprits of its runnable waits run).
   */
  async handoff(traceId: string | undefined, action: HandoffAction): Promise<void> {
    const id = traceId ?? this.annotating?.id;
    const t = id ? this.targets.get(id) : undefined;
    if (!t) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Anole does not know which process this trace came from: capture it with Anole: Trace Remote Service.'));
      return;
    }
    this.deps.log.info(`trace ${id}: ${action} on ${t.host}${t.pid ? ` pid ${t.pid}` : ''}${t.url ? ` (${t.url})` : ''}`);
    switch (action) {
      case 'dumpGoroutines':
        await runCommand(vscode.commands, Commands.dumpGoroutines, t);
        return;
      case 'profileCpu':
        await runCommand(vscode.commands, Commands.profileRemoteService, { target: t, kind: 'cpu' });
        return;
      case 'attachDebugger':
        await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
          type: DEBUG_TYPE, request: 'attach', name: vscode.l10n.t('Anole: Attach to {0}', t.label), host: t.host,
          ...(t.pid ? { processId: t.pid } : {}),
        });
        return;
    }
  }
}

/** Registers the trace commands and the trace editor. */
export function register(context: vscode.ExtensionContext, deps: TracerDeps): Tracer {
  const tracer = new Tracer(deps);
  const guard = <A extends unknown[]>(what: string, fn: (...a: A) => Promise<unknown>) => guarded(deps.log, what, fn);
  context.subscriptions.push(
    // From the palette or the view: pick; from the "Trace" lens of a hot function: the service last profiled.
    registerCommand(vscode.commands, Commands.traceRemoteService, guard(vscode.l10n.t('Trace Remote Service'),
      (lens?: TraceLensArgs) => tracer.traceInteractive(lens?.profileId ? deps.profiler.lastTarget() : undefined))),
    registerCommand(vscode.commands, Commands.processTrace, guard(vscode.l10n.t('Trace Remote Service'), async (n?: { host?: string; process?: GoProcess }) => {
      const target = n?.host && n.process
        ? { host: n.host, pid: n.process.pid, url: n.process.pprof ?? undefined, label: describeProcess(n.process).label }
        : undefined;
      return tracer.traceInteractive(target);
    })),
    registerCommand(vscode.commands, Commands.showStarvationReport,
      guard(vscode.l10n.t('Show Goroutine Starvation Report'), (args?: ShowStarvationArgs) => tracer.showReport(args))),
    registerCommand(vscode.commands, Commands.traceProfileCpu, guard(vscode.l10n.t('Profile CPU of the Traced Process'),
      (args?: TraceHandoffArgs) => tracer.handoff(typeof args?.traceId === 'string' ? args.traceId : undefined, 'profileCpu'))),
    vscode.window.registerCustomEditorProvider(TRACE_EDITOR_VIEW_TYPE, tracer.editorProvider(), {
      webviewOptions: { retainContextWhenHidden: false, enableFindWidget: false },
      supportsMultipleEditorsPerDocument: true,
    }),
  );
  return tracer;
}

/** The process a capture recorded. */
function targetOf(m: CaptureMeta): ProfileTarget {
  return { host: m.host, pid: m.pid, url: m.url || undefined, label: m.host };
}
