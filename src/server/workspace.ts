// The server's view of the workspace: folders, and the path mapper built from a bounded scan of them.
import * as fs from 'node:fs';
import { PathMapper, type PathSubstitution, scanWorkspace } from '../core/pathmap';

/** Folders and settings the mapper is built from. */
export interface WorkspaceConfig {
  folders: string[];
  substitutions: PathSubstitution[];
  maxScanFiles?: number;
}

/** A mapper plus what the scan found (for logging). */
export interface WorkspaceMapping {
  mapper: PathMapper;
  goFiles: number;
  modules: string[];
  truncated: boolean;
}

/** Scans the folders and builds a fresh mapper (its cache starts empty). */
export function buildMapping(cfg: WorkspaceConfig): WorkspaceMapping {
  const scan = scanWorkspace(cfg.folders, { maxFiles: cfg.maxScanFiles });
  // Substitution targets may lie outside the workspace folders: check those on disk.
  const targets = cfg.substitutions.map((s) => s.to.replace(/\\/g, '/')).filter((t) => t !== '');
  const exists = (p: string) => targets.some((t) => p.startsWith(t)) && fs.existsSync(p);
  const mapper = new PathMapper({ folders: cfg.folders, goFiles: scan.goFiles, modules: scan.modules, substitutions: cfg.substitutions, exists });
  return { mapper, goFiles: scan.goFiles.length, modules: scan.modules.map((m) => `${m.path} (${m.dir})`), truncated: scan.truncated };
}
