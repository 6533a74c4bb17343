// Private key files and ssh-agent access for authentication (ssh2's key parser underneath).
import * as fs from 'node:fs/promises';
import { errorMessage } from '../errors';
import { BaseAgent, OpenSSHAgent, utils, type ParsedKey } from 'ssh2';

/** An identity file as read from disk; `key` is set when it needs no passphrase. */
export interface IdentityFile {
  path: string;
  /** Raw file content (kept in memory only for the connection attempt). */
  data: Buffer;
  encrypted: boolean;
  key?: ParsedKey;
  /** Public key blob, when known (from the key, the `.pub` file or the OpenSSH header). */
  publicBlob?: Buffer;
  /** Why the file cannot be used, when it cannot (unsupported format, unreadable). */
  problem?: string;
}

function firstKey(parsed: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/** The public key blob stored unencrypted in an `openssh-key-v1` private key, if it is one. */
export function publicBlobFromOpenSshPrivate(text: string): Buffer | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]+?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) return undefined;
  const buf = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (buf.subarray(0, magic.length).toString('latin1') !== magic) return undefined;
  let pos = magic.length;
  const str = (): Buffer | undefined => {
    if (pos + 4 > buf.length) return undefined;
    const n = buf.readUInt32BE(pos);
    if (pos + 4 + n > buf.length) return undefined;
    const s = buf.subarray(pos + 4, pos + 4 + n);
    pos += 4 + n;
    return s;
  };
  if (!str() || !str() || !str() || pos + 4 > buf.length) return undefined; // cipher, kdf, kdf options
  if (buf.readUInt32BE(pos) < 1) return undefined;
  pos += 4;
  return str();
}

async function publicBlobFromPubFile(file: string): Promise<Buffer | undefined> {
  const text = await fs.readFile(`${file}.pub`, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const k = firstKey(utils.parseKey(text));
  return k instanceof Error ? undefined : k.getPublicSSH();
}

/** Reads an identity file; undefined when it does not exist. Never throws for bad content. */
export async function loadIdentity(file: string): Promise<IdentityFile | undefined> {
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { path: file, data: Buffer.alloc(0), encrypted: false, problem: `cannot read: ${code ?? errorMessage(e)}` };
  }
  const parsed = firstKey(utils.parseKey(data));
  if (parsed instanceof Error) {
    if (/no passphrase/i.test(parsed.message)) {
      const publicBlob = publicBlobFromOpenSshPrivate(data.toString('latin1')) ?? (await publicBlobFromPubFile(file));
      return { path: file, data, encrypted: true, publicBlob };
    }
    return { path: file, data, encrypted: false, problem: parsed.message };
  }
  if (!parsed.isPrivateKey()) return { path: file, data, encrypted: false, problem: 'not a private key' };
  return { path: file, data, encrypted: false, key: parsed, publicBlob: parsed.getPublicSSH() };
}

/** Decrypts an encrypted identity; undefined when the passphrase is wrong. */
export function decryptIdentity(id: IdentityFile, passphrase: string): ParsedKey | undefined {
  const k = firstKey(utils.parseKey(id.data, passphrase));
  return k instanceof Error || !k.isPrivateKey() ? undefined : k;
}

/** Agent identities arrive as parsed keys (OpenSSHAgent) or raw blobs/strings (other agents). */
function asParsedKey(k: unknown): ParsedKey | undefined {
  if (k && typeof (k as ParsedKey).getPublicSSH === 'function') return k as ParsedKey;
  if (!Buffer.isBuffer(k) && typeof k !== 'string') return undefined;
  const p = firstKey(utils.parseKey(k));
  return p instanceof Error ? undefined : p;
}

/**
 * An ssh-agent client that offers only keys in `allowed` (when given) and records which public
 * keys it offered, so identity files the agent already covers are not tried (nor prompted for) again.
 */
export class FilteringAgent extends BaseAgent<ParsedKey> {
  private readonly inner: OpenSSHAgent;
  /** Public key blobs the agent offered (filled after the first getIdentities). */
  readonly offered: Buffer[] = [];
  /** Set when the agent could not be reached. */
  failure?: string;

  constructor(socketPath: string, private readonly allowed?: readonly Buffer[]) {
    super();
    this.inner = new OpenSSHAgent(socketPath);
  }

  getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    this.inner.getIdentities((err, keys) => {
      if (err || !keys) {
        this.failure = err?.message ?? 'no answer';
        return cb(err ?? new Error('agent gave no keys'));
      }
      const parsed = keys.map(asParsedKey).filter((k): k is ParsedKey => k !== undefined);
      const usable = parsed.filter((k) => !this.allowed || this.allowed.some((b) => b.equals(k.getPublicSSH())));
      this.offered.push(...usable.map((k) => k.getPublicSSH()));
      cb(undefined, usable);
    });
  }

  sign(pubKey: ParsedKey | Buffer | string, data: Buffer, options: unknown, cb?: unknown): void {
    (this.inner.sign as (...a: unknown[]) => void)(pubKey, data, options, cb);
  }
}
