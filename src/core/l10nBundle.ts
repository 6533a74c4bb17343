// Loads a translation bundle (l10n/bundle.l10n.<locale>.json) for processes without vscode.l10n: the debug adapter.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleTranslator, english, type Translate } from './doctor/msg';

/** "zh_CN.UTF-8", "zh-CN" or "zh-cn" → ["zh-cn", "zh"]; nothing for English or no locale. */
export function localeCandidates(locale: string | undefined): string[] {
  const lc = (locale ?? '').replace(/[.@].*$/, '').replace(/_/g, '-').toLowerCase();
  if (!lc || lc === 'c' || lc === 'posix' || lc.startsWith('en')) return [];
  const lang = lc.split('-')[0];
  return lang === lc ? [lc] : [lc, lang];
}

/**
 * The translator for `locale` from the first of `dirs` holding its bundle; English when there is
 * none or it cannot be read (a broken bundle never breaks a message).
 */
export function loadTranslator(dirs: readonly string[], locale: string | undefined): Translate {
  for (const l of localeCandidates(locale)) {
    for (const d of dirs) {
      try {
        const raw: unknown = JSON.parse(fs.readFileSync(path.join(d, `bundle.l10n.${l}.json`), 'utf8'));
        if (raw && typeof raw === 'object') return bundleTranslator(raw as Record<string, unknown>);
      } catch {
        // not here: try the next
      }
    }
  }
  return english;
}
