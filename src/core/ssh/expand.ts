// Expands ~, ${VAR} and %-tokens in ssh_config values the way OpenSSH does.
import * as path from 'node:path';
import { AnoleError } from '../errors';

/** Values for %-tokens, keyed by the token letter ('d' for %d, ...). */
export type TokenValues = Partial<Record<string, string>>;

/**
 * Replaces %-tokens using `values`; `%%` is a literal '%'. A token not in `values` is an error,
 * as in OpenSSH (which refuses unknown or not-allowed tokens for a directive).
 */
export function expandTokens(text: string, values: TokenValues, directive: string): string {
  return text.replace(/%(.?)/g, (_m, letter: string) => {
    if (letter === '%') return '%';
    const v = letter ? values[letter] : undefined;
    if (v === undefined) {
      throw new AnoleError('SSH_CONFIG', `${directive}: unsupported token %${letter}`,
        'see TOKENS in `man ssh_config` for the tokens each directive accepts');
    }
    return v;
  });
}

/** Replaces `${NAME}` with the environment variable NAME; an unset variable is an error. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv, directive: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) {
      throw new AnoleError('SSH_CONFIG', `${directive}: environment variable ${name} is not set`);
    }
    return v;
  });
}

/** Expands a leading `~` or `~/` to `home`. `~otheruser` is not supported and is an error. */
export function expandTilde(text: string, home: string, directive: string): string {
  if (text === '~') return home;
  if (text.startsWith('~/')) return path.join(home, text.slice(2));
  if (text.startsWith('~')) {
    throw new AnoleError('SSH_CONFIG', `${directive}: ~user paths are not supported`, 'write the full path');
  }
  return text;
}

/**
 * Tilde first, then `${VAR}` and %-tokens in one pass (so a '%' inside a variable's value stays
 * literal): what OpenSSH applies to IdentityFile, IdentityAgent, UserKnownHostsFile and friends.
 */
export function expandPath(text: string, home: string, env: NodeJS.ProcessEnv, tokens: TokenValues, directive: string): string {
  const where = `${directive} ${JSON.stringify(text)}`;
  const t = expandTilde(text, home, where);
  let out = '';
  let last = 0;
  for (const m of t.matchAll(/%(.?)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    out += t.slice(last, m.index) + (m[2] !== undefined ? expandEnv(m[0], env, where) : expandTokens(m[0], tokens, where));
    last = (m.index ?? 0) + m[0].length;
  }
  return out + t.slice(last);
}
