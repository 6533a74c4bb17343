// Maps paths printed by a remote Go binary (dumps, stacks) to workspace files, for links.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { PathMapper, scanWorkspace } from '../core/pathmap';
import { settings } from './settings';

/**
 * A lazily built path mapper over the workspace's Go files and `anole.pathMappings`, rebuilt after
 * the workspace folders or the setting change. The scan is bounded and runs on first use only.
 */
export class WorkspacePathMapper implements vscode.Disposable {
  private mapper: PathMapper | undefined;
  private readonly subs: vscode.Disposable[];

  constructor() {
    const reset = () => (this.mapper = undefined);
    this.subs = [
      vscode.workspace.onDidChangeWorkspaceFolders(reset),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('anole.pathMappings') && reset()),
    ];
  }

  /** The workspace file for `remotePath`, or the path itself when it exists locally, else undefined. */
  toUri(remotePath: string): vscode.Uri | undefined {
    const local = this.get().map(remotePath);
    if (local) return vscode.Uri.file(local);
    return remotePath.startsWith('/') && fs.existsSync(remotePath) ? vscode.Uri.file(remotePath) : undefined;
  }

  private get(): PathMapper {
    if (!this.mapper) {
      const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
      const scan = scanWorkspace(folders);
      this.mapper = new PathMapper({ folders, goFiles: scan.goFiles, modules: scan.modules, substitutions: settings.pathMappings() });
    }
    return this.mapper;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}
