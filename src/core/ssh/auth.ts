// Client authentication order for ssh2's authHandler: none, agent, identity files, password.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AnyAuthMethod, AuthHandlerMiddleware, AuthenticationType, KeyboardInteractiveCallback, Prompt } from 'ssh2';
import { AnoleError } from '../errors';
import type { ResolvedDestination } from './config';
import { decryptIdentity, FilteringAgent, loadIdentity, type IdentityFile } from './keys';

/** Prompts a caller may supply; each may return undefined to mean "skip / cancelled". */
export interface AuthCallbacks {
  /** Asked for an encrypted private key's passphrase. */
  passphrase?(keyPath: string): Promise<string | undefined> | string | undefined;
  /** Asked for the account password (password or keyboard-interactive auth). */
  password?(label: string): Promise<string | undefined> | string | undefined;
}

/** One authentication run: the handler for ssh2 plus what it tried, for the error message. */
export interface AuthSession {
  handler: AuthHandlerMiddleware;
  /** True once every method was tried and the handler told ssh2 to give up. */
  readonly exhausted: boolean;
  /** Adds a remark for the failure message (e.g. an agent error). Must not contain secrets. */
  note(text: string): void;
  /** The SSH_AUTH error describing what was tried. */
  failure(serverMessage?: string): AnoleError;
}

/** Hooks so the caller can pause its timers while a person is asked something (or a key decrypted). */
export interface AuthHooks {
  prompting?(active: boolean): void;
}

type Step = (left: AuthenticationType[] | null) => Promise<AnyAuthMethod | undefined>;

/** Builds the authHandler for `dest`. Secrets live only in the methods handed to ssh2. */
export function createAuthSession(dest: ResolvedDestination, label: string, cb: AuthCallbacks = {}, hooks: AuthHooks = {}): AuthSession {
  const username = dest.user;
  const tried: string[] = [];
  const notes: string[] = [];
  let serverMethods: AuthenticationType[] | null = null;
  let exhausted = false;
  let agent: FilteringAgent | undefined;
  let identities: Promise<{ file: string; id?: IdentityFile }[]> | undefined;
  const loadAll = () => (identities ??= Promise.all(dest.identityFiles.map(async (file) => ({ file, id: await loadIdentity(file) }))));
  const allows = (left: AuthenticationType[] | null, m: AuthenticationType) => !left || left.includes(m);
  const ask = async <T>(fn: () => Promise<T> | T): Promise<T> => {
    hooks.prompting?.(true);
    try { return await fn(); } finally { hooks.prompting?.(false); }
  };

  const steps: Step[] = [async () => ({ type: 'none', username })];

  if (dest.identityAgent) {
    const sock = dest.identityAgent;
    steps.push(async (left) => {
      if (!allows(left, 'publickey')) return undefined;
      if (!(await fs.stat(sock).then((s) => s.isSocket(), () => false))) {
        notes.push(`agent socket ${sock} not found`);
        return undefined;
      }
      let allowed: Buffer[] | undefined;
      if (dest.identitiesOnly) {
        allowed = (await loadAll()).flatMap(({ id }) => (id?.publicBlob ? [id.publicBlob] : []));
        if (!allowed.length) return undefined;
      }
      agent = new FilteringAgent(sock, allowed);
      tried.push('agent');
      return { type: 'agent', username, agent };
    });
  }

  dest.identityFiles.forEach((file, i) => {
    steps.push(async (left) => {
      if (!allows(left, 'publickey')) return undefined;
      const id = (await loadAll())[i].id;
      const name = path.basename(file);
      if (!id) {
        if (!dest.identityFilesAreDefaults) notes.push(`${file} not found`);
        return undefined;
      }
      if (id.problem) {
        notes.push(`cannot use ${name}: ${id.problem}`);
        return undefined;
      }
      if (id.publicBlob && agent?.offered.some((b) => b.equals(id.publicBlob!))) return undefined; // tried through the agent
      let key = id.key;
      if (id.encrypted) {
        if (!cb.passphrase) {
          notes.push(`${name} is encrypted and no passphrase prompt is available`);
          return undefined;
        }
        // Asking and decrypting (bcrypt, slow on purpose) are local: both pause the caller's timers.
        const result = await ask(async () => {
          const passphrase = await cb.passphrase!(file);
          return passphrase === undefined ? 'none' : decryptIdentity(id, passphrase);
        });
        if (result === 'none') {
          notes.push(`no passphrase given for ${name}`);
          return undefined;
        }
        key = result;
        if (!key) {
          notes.push(`wrong passphrase for ${name}`);
          return undefined;
        }
      }
      tried.push(name);
      return { type: 'publickey', username, key: key! };
    });
  });

  let password: string | undefined;
  const getPassword = async (): Promise<string | undefined> => (password ??= await ask(() => cb.password!(label)));
  if (cb.password) {
    steps.push(async (left) => {
      if (!left?.includes('password')) return undefined;
      const pw = await getPassword();
      if (pw === undefined) return undefined;
      tried.push('password');
      return { type: 'password', username, password: pw };
    });
    steps.push(async (left) => {
      if (!left?.includes('keyboard-interactive') || tried.includes('password')) return undefined;
      tried.push('keyboard-interactive');
      return {
        type: 'keyboard-interactive', username,
        prompt: (_n: string, _i: string, _l: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) => {
          void (async () => finish(prompts.length ? [(await getPassword()) ?? ''] : []))();
        },
      };
    });
  }

  let next = 0;
  const handler: AuthHandlerMiddleware = (left, _partial, done) => {
    if (left) serverMethods = left;
    void (async () => {
      while (next < steps.length) {
        const method = await steps[next++](left).catch((e: Error) => {
          notes.push(e.message);
          return undefined;
        });
        if (method) return done(method);
      }
      exhausted = true;
      done(false as unknown as AnyAuthMethod);
    })();
  };

  return {
    handler,
    get exhausted() { return exhausted; },
    note: (text) => { if (!notes.includes(text)) notes.push(text); },
    failure: (serverMessage) => {
      if (agent && !agent.failure && agent.offered.length === 0 && tried.includes('agent')) {
        tried.splice(tried.indexOf('agent'), 1);
        notes.push(dest.identitiesOnly ? 'the agent holds none of the IdentityFile keys' : 'the agent holds no keys');
      }
      const what = tried.filter((t) => t !== 'password' && t !== 'keyboard-interactive');
      const head = what.length
        ? `${label}: the server rejected all keys (tried: ${tried.join(', ')})`
        : `${label}: no usable key to log in with${tried.length ? ` (tried: ${tried.join(', ')})` : ''}`;
      const extra = [...notes, ...(serverMessage ? [`server: ${serverMessage}`] : [])];
      return new AnoleError('SSH_AUTH', extra.length ? `${head}; ${extra.join('; ')}` : head,
        `put your public key in ~${username}/.ssh/authorized_keys on the host, or set IdentityFile / IdentityAgent for this host in your ssh config`,
        { tried: [...tried], serverMethods, user: username });
    },
  };
}
