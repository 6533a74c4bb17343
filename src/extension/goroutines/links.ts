// Editor providers for goroutine dumps: file:line links to the workspace, and an outline of groups.
import * as fs from 'node:fs';
import { errorMessage } from '../../core/errors';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { indexDumpLocations, indexGroupHeaders, type DumpLocation } from '../../core/goroutines/document';

/** Most links given for one document (a dump of 100k goroutines has a million location lines). */
const MAX_LINKS = 50_000;

/** Maps a path as the dump prints it to a local file, or undefined (may wait for the workspace scan). */
export type PathMapper = (remotePath: string) => vscode.Uri | undefined | PromiseLike<vscode.Uri | undefined>;

/**
 * Links each "file:line" of a dump to the file it names: through `mapPath` (the workspace's path
 * mapping: module-relative, GOROOT and remote paths), else the path itself if it exists locally.
 * Paths that resolve nowhere get no link. The index of a document is kept per version.
 */
export class GoroutineLinkProvider implements vscode.DocumentLinkProvider, vscode.Disposable {
  private readonly cache = new Map<string, { version: number; locations: DumpLocation[] }>();

  constructor(
    private readonly mapPath: PathMapper,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async provideDocumentLinks(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.DocumentLink[]> {
    const targets = new Map<string, vscode.Uri | null>();
    const links: vscode.DocumentLink[] = [];
    for (const loc of this.locations(doc)) {
      if (links.length >= MAX_LINKS || token.isCancellationRequested) break;
      let target = targets.get(loc.file);
      if (target === undefined) targets.set(loc.file, (target = (await this.resolve(loc.file)) ?? null));
      if (token.isCancellationRequested) break;
      if (!target) continue;
      const link = new vscode.DocumentLink(
        new vscode.Range(loc.line, loc.start, loc.line, loc.end),
        // The opener selects the line of an "L<n>" fragment.
        target.with({ fragment: `L${loc.sourceLine}` }),
      );
      link.tooltip = vscode.l10n.t('Open {0}:{1}', target.scheme === 'file' ? target.fsPath : target.toString(true), loc.sourceLine);
      links.push(link);
    }
    return links;
  }

  /** Forgets a closed document's index. */
  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }

  dispose(): void {
    this.cache.clear();
  }

  private locations(doc: vscode.TextDocument): DumpLocation[] {
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version) return hit.locations;
    const locations = indexDumpLocations(doc.getText());
    this.cache.set(key, { version: doc.version, locations });
    return locations;
  }

  private async resolve(file: string): Promise<vscode.Uri | undefined> {
    try {
      const mapped = await this.mapPath(file);
      if (mapped) return mapped;
    } catch (e) {
      this.log.warn(`mapping ${file} failed: ${errorMessage(e)}`);
    }
    return path.isAbsolute(file) && fs.existsSync(file) ? vscode.Uri.file(file) : undefined;
  }
}

/** The grouped view's outline: one symbol per group ("50 × chan receive", "up to 12 minutes"), biggest first. */
export class GoroutineOutlineProvider implements vscode.DocumentSymbolProvider {
  provideDocumentSymbols(doc: vscode.TextDocument): vscode.DocumentSymbol[] {
    return indexGroupHeaders(doc.getText()).map((g) => {
      const range = new vscode.Range(g.line, 0, g.endLine, doc.lineAt(g.endLine).text.length);
      const selection = doc.lineAt(g.line).range;
      return new vscode.DocumentSymbol(`${g.count} × ${g.state}`, g.detail, vscode.SymbolKind.Event, range, selection);
    });
  }
}
