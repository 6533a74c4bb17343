// Maps paths printed by a remote Go binary (dumps, stacks) to workspace files, for links.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { PathMapper, scanWorkspaceAsync } from '../core/pathmap';
import { Disposable } from './dispose';
import { settings } from './settings';

/**
 * A path mapper over the workspace's Go files and `anole.pathMappings`. The bounded workspace scan
 * runs once, asynchronously (the extension host keeps serving meanwhile), on first use; it runs
 * again on the next use after the workspace folders or the setting changed.
 */
export class WorkspacePathMapper extends Disposable {
  private building: Promise<PathMapper> | undefined;
  private abort: AbortController | undefined;

  constructor(private readonly log?: vscode.LogOutputChannel) {
    super();
    // Callers already waiting get the scan under way; the next use scans again.
    const reset = () => (this.building = undefined);
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(reset));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('anole.pathMappings') && reset()));
  }

  /** The workspace file for `remotePath`, or the path itself when it exists locally, else undefined. */
  async toUri(remotePath: string): Promise<vscode.Uri | undefined> {
    const local = (await this.mapper()).map(remotePath);
    if (local) return vscode.Uri.file(local);
    return remotePath.startsWith('/') && fs.existsSync(remotePath) ? vscode.Uri.file(remotePath) : undefined;
  }

  /** The mapper; every caller until the next reset shares one scan. */
  mapper(): Promise<PathMapper> {
    if (!this.building) {
      const ac = new AbortController();
      this.abort = ac;
      const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
      const substitutions = settings.pathMappings((m) => this.log?.warn(`anole.pathMappings: ${m}`));
      const started = Date.now();
      const building = scanWorkspaceAsync(folders, { signal: ac.signal }).then((scan) => {
        this.log?.debug(`workspace scan for links: ${scan.goFiles.length} Go file(s)${scan.truncated ? ' (truncated)' : ''} in ${Date.now() - started} ms`);
        return new PathMapper({ folders, goFiles: scan.goFiles, modules: scan.modules, substitutions });
      });
      // A failed scan (or one stopped by dispose) is not kept: the next use scans again.
      building.catch(() => {
        if (this.building === building) this.building = undefined;
      });
      this.building = building;
    }
    return this.building;
  }

  override dispose(): void {
    this.abort?.abort();
    super.dispose();
  }
}
