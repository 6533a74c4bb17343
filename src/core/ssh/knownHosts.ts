// Reads, checks and appends OpenSSH known_hosts files (plain, [host]:port, hashed, markers).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AnoleError, errorMessage } from '../errors';
import { hostPortName } from './destination';

/** Result of checking a server's host key against known_hosts. */
export type HostKeyStatus = 'ok' | 'unknown' | 'changed' | 'revoked';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  file: string;
  /** 1-based line number. */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** Comma-separated host patterns, or the salt and HMAC-SHA1 of a hashed (`|1|`) entry. */
  hosts: string[] | { salt: Buffer; hash: Buffer };
  keyType: string;
  /** The key blob (SSH wire format), base64-decoded. */
  key: Buffer;
}

/** The host and key a server presented, as checked against known_hosts. */
export interface HostKeyQuery {
  host: string;
  port: number;
  keyType: string;
  key: Buffer;
  /** When set, looked up instead of host/port (OpenSSH's HostKeyAlias). */
  hostKeyAlias?: string;
}

/** The status with the entry that decided it (for 'changed': the offending line to fix). */
export interface HostKeyCheck {
  status: HostKeyStatus;
  entry?: KnownHostEntry;
  /** Key types known for this host (what to prefer when negotiating). */
  knownKeyTypes: string[];
}

/** Reads the key type string at the start of an SSH key blob; undefined if malformed. */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) return undefined;
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** `SHA256:<base64 without padding>` of a key blob, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The name OpenSSH looks up for a host: the HostKeyAlias, else `host` or `[host]:port`. */
export function knownHostName(host: string, port: number, hostKeyAlias?: string): string {
  return (hostKeyAlias ?? hostPortName(host, port)).toLowerCase();
}

function parseHosts(field: string): KnownHostEntry['hosts'] | undefined {
  if (!field.startsWith('|')) return field.split(',').filter(Boolean);
  const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
  if (!m) return undefined;
  const salt = Buffer.from(m[1], 'base64');
  const hash = Buffer.from(m[2], 'base64');
  return salt.length === 20 && hash.length === 20 ? { salt, hash } : undefined;
}

/** Parses known_hosts text; comments, blank, malformed and SSH-1 lines are skipped. */
export function parseKnownHosts(text: string, file = ''): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    if (fields.length < 3) return;
    const hosts = parseHosts(fields[0]);
    const keyType = fields[1];
    if (!hosts || !/^[A-Za-z0-9+/]+=*$/.test(fields[2])) return;
    const key = Buffer.from(fields[2], 'base64');
    if (keyTypeOfBlob(key) !== keyType) return;
    out.push({ file, line: i + 1, marker, hosts, keyType, key });
  });
  return out;
}

function wildcardMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/[\\^$.+()[\]{}|]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(text);
}

/**
 * True when the entry's host field matches `name` (already lower-cased): a hashed entry by
 * HMAC-SHA1, else OpenSSH's pattern list — `*`/`?` wildcards, and any matching `!pattern`
 * rules the entry out.
 */
export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (!Array.isArray(entry.hosts)) {
    const h = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return timingSafeEqual(h, entry.hosts.hash);
  }
  let found = false;
  for (const raw of entry.hosts) {
    const p = raw.toLowerCase();
    if (p.startsWith('!')) {
      if (wildcardMatch(p.slice(1), name)) return false;
    } else if (wildcardMatch(p, name)) {
      found = true;
    }
  }
  return found;
}

/** Reads and parses known_hosts files; missing files count as empty. */
export async function readKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const out: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw new AnoleError('SSH_CONFIG', `cannot read known_hosts file ${file}: ${errorMessage(e)}`);
    }
    out.push(...parseKnownHosts(text, file));
  }
  return out;
}

/**
 * Checks a host key against parsed entries with OpenSSH semantics, one step stricter: a host
 * with entries none of which is this key is 'changed' even when only other key types are
 * known (OpenSSH would prompt as for a new host). @revoked wins over everything;
 * @cert-authority lines are ignored (host certificates are not supported).
 */
export function checkHostKeyEntries(q: HostKeyQuery, entries: readonly KnownHostEntry[]): HostKeyCheck {
  const name = knownHostName(q.host, q.port, q.hostKeyAlias);
  const mine = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, name));
  const plain = mine.filter((e) => !e.marker);
  const knownKeyTypes = [...new Set(plain.map((e) => e.keyType))];
  const revoked = mine.find((e) => e.marker === 'revoked' && e.key.equals(q.key));
  if (revoked) return { status: 'revoked', entry: revoked, knownKeyTypes };
  const ok = plain.find((e) => e.key.equals(q.key));
  if (ok) return { status: 'ok', entry: ok, knownKeyTypes };
  if (plain.length) {
    return { status: 'changed', entry: plain.find((e) => e.keyType === q.keyType) ?? plain[0], knownKeyTypes };
  }
  return { status: 'unknown', knownKeyTypes };
}

/** Reads `files` and checks the key (see checkHostKeyEntries). */
export async function checkHostKey(q: HostKeyQuery, files: readonly string[]): Promise<HostKeyCheck> {
  return checkHostKeyEntries(q, await readKnownHosts(files));
}

/** 'ok' | 'unknown' | 'changed' | 'revoked' for a presented host key against known_hosts files. */
export async function verifyHostKey(q: HostKeyQuery, files: readonly string[]): Promise<HostKeyStatus> {
  return (await checkHostKey(q, files)).status;
}

/** Options for addKnownHost. */
export interface AddKnownHostOptions {
  /** Write `|1|salt|hash` instead of the host name (OpenSSH's HashKnownHosts). */
  hashed?: boolean;
  /** Used instead of host/port, as OpenSSH does with HostKeyAlias. */
  hostKeyAlias?: string;
}

/**
 * Appends a host key to a known_hosts file (creating it and its directory, mode 0600/0700).
 * Only call this after the user agreed to trust the key, or for StrictHostKeyChecking=accept-new.
 */
export async function addKnownHost(
  file: string, host: string, port: number, keyType: string, key: Buffer, opts: AddKnownHostOptions = {},
): Promise<void> {
  if (keyTypeOfBlob(key) !== keyType) {
    throw new AnoleError('BAD_INPUT', `host key blob is not of type ${keyType}`);
  }
  const name = knownHostName(host, port, opts.hostKeyAlias);
  let field = name;
  if (opts.hashed) {
    const salt = randomBytes(20);
    field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  const old = await fs.readFile(file).catch(() => undefined);
  if (old && old.length && old[old.length - 1] !== 0x0a) prefix = '\n';
  await fs.appendFile(file, `${prefix}${field} ${keyType} ${key.toString('base64')}\n`, { mode: 0o600 });
}
