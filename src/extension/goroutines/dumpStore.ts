// Goroutine dumps held in memory and served read-only as `anole-goroutines:` documents, raw or grouped.
import * as vscode from 'vscode';
import { AnoleError, errorMessage } from '../../core/errors';
import { analyzeGoroutineDump } from '../../core/goroutines';
import { renderGroupedReport, renderRawDump } from '../../core/goroutines/document';

/** URI scheme of the dump documents: `anole-goroutines:/<id>/<label>[ (grouped)].goroutines?view=raw|grouped`. */
export const DUMP_SCHEME = 'anole-goroutines';

/** The two views of a dump: the text as fetched, or goroutines grouped by identical stacks. */
export type DumpView = 'raw' | 'grouped';

/** A dump to show, from any source (a pprof endpoint, a file, later gdb or dlv). */
export interface DumpInput {
  /** The dump: debug=2 text, a panic/SIGQUIT traceback, or debug=1 text. */
  text: string | Uint8Array;
  /** Short name for the tab title: "build-7 · pid 4242", "dump.txt". */
  label: string;
  /** Where it came from, for the grouped view's header: "me@build-7:22 · http://127.0.0.1:6060/debug/pprof/". */
  source?: string;
  capturedAt?: Date;
  /** How long capturing may have paused the process. */
  pauseMs?: number;
}

interface Entry {
  /** The dump text as fetched (decoded once; the input bytes are not kept). */
  readonly raw: string;
  readonly meta: Omit<DumpInput, 'text'>;
  grouped?: string;
}

/** How many of the newest dumps stay in memory after their documents close (older ones are dropped once closed). */
const KEEP_CLOSED = 3;

/**
 * Holds dumps by id and provides their documents. A dump is dropped when none of its documents is
 * open and it is not among the newest few (a document can be closed and reopened by VS Code, e.g.
 * when its language changes, so the newest are kept a while).
 */
export class GoroutineDumpStore implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly dumps = new Map<string, Entry>();
  private nextId = 1;

  /** Keeps a dump and returns its id. Throws BAD_DUMP for binary input. */
  add(input: DumpInput): string {
    const { text, ...meta } = input;
    const entry: Entry = { raw: renderRawDump(text).text, meta };
    const id = String(this.nextId++);
    this.dumps.set(id, entry);
    this.prune();
    return id;
  }

  has(id: string): boolean {
    return this.dumps.has(id);
  }

  /** The document URI of a dump's view. */
  uri(id: string, view: DumpView): vscode.Uri {
    const label = this.dumps.get(id)?.meta.label ?? 'goroutines';
    const name = `${safeFileName(label)}${view === 'grouped' ? ' (grouped)' : ''}.goroutines`;
    return vscode.Uri.from({ scheme: DUMP_SCHEME, path: `/${id}/${name}`, query: `view=${view}` });
  }

  /** The dump id and view of one of our URIs; undefined for any other URI. */
  parse(uri: vscode.Uri): { id: string; view: DumpView } | undefined {
    if (uri.scheme !== DUMP_SCHEME) return undefined;
    const id = uri.path.split('/')[1];
    return id ? { id, view: uri.query.includes('view=grouped') ? 'grouped' : 'raw' } : undefined;
  }

  /** The grouped view's text, rendered on first use. Throws BAD_DUMP if the dump has no goroutines. */
  grouped(id: string): string {
    const e = this.entry(id);
    if (e.grouped === undefined) {
      const { source, capturedAt, pauseMs } = e.meta;
      e.grouped = renderGroupedReport(analyzeGoroutineDump(e.raw), { source, capturedAt, pauseMs }).text;
    }
    return e.grouped;
  }

  /** The dump text as fetched. */
  raw(id: string): string {
    return this.entry(id).raw;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const ref = this.parse(uri);
    if (!ref || !this.dumps.has(ref.id)) {
      return `# ${vscode.l10n.t('This goroutine dump is no longer in memory: fetch or open it again.')}\n`;
    }
    try {
      return ref.view === 'grouped' ? this.grouped(ref.id) : this.raw(ref.id);
    } catch (e) {
      const text = errorMessage(e);
      return `# ${vscode.l10n.t('Anole could not read this goroutine dump: {0}', text)}\n`;
    }
  }

  /** Drops closed dumps beyond the newest few; call when documents close. */
  prune(): void {
    const open = new Set<string>();
    for (const doc of vscode.workspace.textDocuments) {
      const ref = this.parse(doc.uri);
      if (ref) open.add(ref.id);
    }
    const ids = [...this.dumps.keys()];
    for (const id of ids.slice(0, Math.max(0, ids.length - KEEP_CLOSED))) {
      if (!open.has(id)) this.dumps.delete(id);
    }
  }

  dispose(): void {
    this.dumps.clear();
  }

  private entry(id: string): Entry {
    const e = this.dumps.get(id);
    if (!e) throw new AnoleError('NOT_FOUND', vscode.l10n.t('This goroutine dump is no longer in memory: fetch or open it again.'));
    return e;
  }
}

/** A label made safe as a file name in a URI path (no separators, no URI or shell specials). */
function safeFileName(label: string): string {
  const s = label.replace(/[\\/:*?"<>|#%\s]+/g, '_').replace(/^[._]+|_+$/g, '');
  return (s || 'goroutines').slice(0, 80);
}
