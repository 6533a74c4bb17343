// "Which source version": a profile's service_git_ref label (Grafana's convention) against the commit
// the workspace has checked out, read from .git without running git.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The label names Grafana's convention uses for the build's commit and repository. */
export const GIT_REF_LABEL = 'service_git_ref';
export const REPOSITORY_LABEL = 'service_repository';

/**
 * The commit checked out in the repository holding `dir` (its HEAD, a branch resolved through loose
 * or packed refs), or undefined when there is none or it cannot be read. Follows a worktree's
 * `.git` file to its git dir.
 */
export function workspaceHead(dir: string): string | undefined {
  let gitDir = path.join(dir, '.git');
  try {
    if (fs.statSync(gitDir).isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(gitDir, 'utf8'));
      if (!m) return undefined;
      gitDir = path.resolve(dir, m[1].trim());
    }
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (!ref) return /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
    // A worktree keeps its refs in the common dir.
    const common = fs.existsSync(path.join(gitDir, 'commondir')) ? path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    for (const d of [gitDir, common]) {
      try {
        return fs.readFileSync(path.join(d, ref), 'utf8').trim();
      } catch {
        // not a loose ref here
      }
    }
    const packed = fs.readFileSync(path.join(common, 'packed-refs'), 'utf8');
    return packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0];
  } catch {
    return undefined;
  }
}

/** How a profile's commit relates to the workspace's. */
export type RefMatch = { kind: 'same' } | { kind: 'differs'; profileRef: string; headRef: string; repository?: string } | { kind: 'unknown' };

/**
 * Compares the profile's `service_git_ref` (a full or abbreviated commit; a tag or branch name never
 * matches a commit and counts as different) with the workspace HEAD.
 */
export function compareGitRef(labels: Record<string, string>, head: string | undefined): RefMatch {
  const ref = labels[GIT_REF_LABEL]?.trim().toLowerCase();
  if (!ref || !head) return { kind: 'unknown' };
  const h = head.toLowerCase();
  if (ref.length >= 7 && /^[0-9a-f]+$/.test(ref) && (h.startsWith(ref) || ref.startsWith(h))) return { kind: 'same' };
  return { kind: 'differs', profileRef: labels[GIT_REF_LABEL], headRef: head, repository: labels[REPOSITORY_LABEL] };
}
