// Parses what a user types as an SSH destination: an alias or [user@]host[:port], [v6]:port, ssh://.
import { AnoleError } from '../errors';

/** A destination split into its parts; `user` and `port` only when given explicitly. */
export interface ParsedDestination {
  host: string;
  user?: string;
  port?: number;
}

function bad(text: string, why: string): AnoleError {
  return new AnoleError('SSH_CONFIG', `invalid SSH destination "${text}": ${why}`,
    'use an alias from your ssh config or [user@]host[:port], e.g. deploy@10.0.0.5:2222 or [::1]:22');
}

/** Parses a TCP port number (1–65535) or returns undefined. */
export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * Splits `[user@]host[:port]`, `user@[v6addr]:port`, a bare IPv6 address or
 * `ssh://[user@]host[:port]`. The user is what comes before the last '@'.
 * Throws SSH_CONFIG for empty parts, a bad port, whitespace or a leading '-'.
 */
export function parseDestination(text: string): ParsedDestination {
  let rest = text.trim();
  if (!rest) throw bad(text, 'it is empty');
  if (/^ssh:\/\//i.test(rest)) rest = rest.slice(6).replace(/\/$/, '');
  const out: ParsedDestination = { host: '' };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    out.user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!out.user) throw bad(text, 'the user name before "@" is empty');
  }
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw bad(text, 'missing "]"');
    const after = rest.slice(close + 1);
    if (after && !after.startsWith(':')) throw bad(text, `unexpected "${after}" after "]"`);
    out.host = rest.slice(1, close);
    if (after) portText = after.slice(1);
  } else {
    const colons = rest.split(':').length - 1;
    if (colons === 1) {
      const i = rest.indexOf(':');
      out.host = rest.slice(0, i);
      portText = rest.slice(i + 1);
    } else {
      out.host = rest; // a host name, or a bare IPv6 address (no port possible)
    }
  }
  if (!out.host) throw bad(text, 'the host is empty');
  if (/\s/.test(out.host) || (out.user !== undefined && /\s/.test(out.user))) throw bad(text, 'it contains whitespace');
  if (out.host.startsWith('-')) throw bad(text, 'the host starts with "-"');
  if (portText !== undefined) {
    const port = parsePort(portText);
    if (port === undefined) throw bad(text, `"${portText}" is not a port number (1-65535)`);
    out.port = port;
  }
  return out;
}

/** Formats host and port the way OpenSSH names them in known_hosts: `host`, or `[host]:port` off port 22. */
export function hostPortName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}
