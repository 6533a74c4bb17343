// Resolves an SSH destination through an OpenSSH config file into one plain, typed object.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SSHConfig } from 'ssh-config';
import { AnoleError } from '../errors';
import { configForHost, directiveValues, loadSshConfig } from './configFile';
import { parseDestination, parsePort, type ParsedDestination } from './destination';
import { expandPath, expandTokens, type TokenValues } from './expand';

/** How unknown host keys are treated (OpenSSH's StrictHostKeyChecking, `off` folded into `no`). */
export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';

/** Default limit for the TCP connect plus SSH handshake when ConnectTimeout is not set. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** Default keep-alive interval when ServerAliveInterval is not set (OpenSSH's default is off). */
export const DEFAULT_SERVER_ALIVE_INTERVAL_MS = 15_000;
/** Default number of unanswered keep-alives before the connection counts as dead. */
export const DEFAULT_SERVER_ALIVE_COUNT_MAX = 3;

/** Everything needed to connect to one host, with config, tokens and defaults applied. */
export interface ResolvedDestination {
  /** What was asked for, e.g. "prod-api" or "deploy@10.0.0.5:2222". */
  destination: string;
  /** The host name matched against Host patterns (the alias, lower-cased). */
  host: string;
  /** Where to connect (HostName, or `host` when none is configured). */
  hostName: string;
  port: number;
  user: string;
  /** Private key files, expanded. When none are configured, OpenSSH's defaults (see below). */
  identityFiles: string[];
  /** True when `identityFiles` are the defaults: missing ones are then skipped silently. */
  identityFilesAreDefaults: boolean;
  identitiesOnly: boolean;
  /** ssh-agent socket path; undefined when there is none or IdentityAgent is `none`. */
  identityAgent?: string;
  /** Jump hosts in connection order, each fully resolved (their own proxyJump flattened in). */
  proxyJump: ResolvedDestination[];
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  strictHostKeyChecking: StrictHostKeyChecking;
  /** HashKnownHosts: whether accept-new writes hashed host names. */
  hashKnownHosts: boolean;
  /** Name used instead of host/port when looking up and saving the host key. */
  hostKeyAlias?: string;
  connectTimeoutMs: number;
  /** 0 disables keep-alives. */
  serverAliveIntervalMs: number;
  serverAliveCountMax: number;
  /** The config file that was read, if it existed. */
  configFile?: string;
}

/** Inputs of resolution; every field has a sensible default, tests override them. */
export interface ResolveOptions {
  /** Config file to read; default ~/.ssh/config (missing is fine). A given file must exist. */
  configFile?: string;
  homeDir?: string;
  localUser?: string;
  env?: NodeJS.ProcessEnv;
}

interface Ctx {
  config: SSHConfig;
  home: string;
  localUser: string;
  env: NodeJS.ProcessEnv;
  configFile?: string;
}

type Computed = Record<string, string | string[]>;

const MAX_JUMP_DEPTH = 8;

/** `user@host:port` for messages; never contains secrets. */
export function destinationLabel(d: Pick<ResolvedDestination, 'user' | 'hostName' | 'port'>): string {
  const host = d.hostName.includes(':') ? `[${d.hostName}]` : d.hostName;
  return `${d.user}@${host}:${d.port}`;
}

function first(c: Computed, key: string): string | undefined {
  const v = c[key];
  return Array.isArray(v) ? v[0] : v;
}

function all(c: Computed, key: string): string[] {
  const v = c[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter(Boolean);
}

function configError(where: string, msg: string): AnoleError {
  return new AnoleError('SSH_CONFIG', `ssh config for ${where}: ${msg}`, 'see `man ssh_config`');
}

function parseBool(c: Computed, key: string, name: string, where: string): boolean {
  const v = first(c, key)?.toLowerCase();
  if (v === undefined || v === 'no' || v === 'false') return false;
  if (v === 'yes' || v === 'true') return true;
  throw configError(where, `${name} must be yes or no, not "${v}"`);
}

function parseSeconds(c: Computed, key: string, name: string, where: string): number | undefined {
  const v = first(c, key);
  if (v === undefined || v.toLowerCase() === 'none') return undefined;
  if (!/^\d+$/.test(v)) throw configError(where, `${name} must be a number of seconds, not "${v}"`);
  return Number(v) * 1000;
}

function parseStrict(c: Computed, where: string): StrictHostKeyChecking {
  const v = first(c, 'stricthostkeychecking')?.toLowerCase();
  switch (v) {
    case undefined: case 'ask': return 'ask';
    case 'yes': case 'true': return 'yes';
    case 'no': case 'off': case 'false': return 'no';
    case 'accept-new': return 'accept-new';
    default: throw configError(where, `StrictHostKeyChecking must be yes, no, ask, accept-new or off, not "${v}"`);
  }
}

function resolveAgent(c: Computed, ctx: Ctx, tokens: TokenValues): string | undefined {
  const v = first(c, 'identityagent');
  if (v === undefined) return ctx.env.SSH_AUTH_SOCK || undefined;
  if (v.toLowerCase() === 'none') return undefined;
  if (v === 'SSH_AUTH_SOCK') return ctx.env.SSH_AUTH_SOCK || undefined;
  if (v.startsWith('$') && !v.startsWith('${')) return ctx.env[v.slice(1)] || undefined;
  return expandPath(v, ctx.home, ctx.env, tokens, 'IdentityAgent');
}

function resolveOne(ctx: Ctx, spec: string, parsed: ParsedDestination, depth: number): ResolvedDestination {
  const host = parsed.host.toLowerCase();
  const c: Computed = configForHost(ctx.config, host).compute({ Host: host, User: parsed.user }, { ignoreCase: true, matchExec: false });
  const hostNameRaw = first(c, 'hostname');
  const hostName = hostNameRaw ? expandTokens(hostNameRaw, { h: host }, `HostName ${JSON.stringify(hostNameRaw)}`) : host;
  const user = parsed.user ?? first(c, 'user') ?? ctx.localUser;
  let port = parsed.port;
  const portText = first(c, 'port');
  if (port === undefined && portText !== undefined) {
    port = parsePort(portText);
    if (port === undefined) throw configError(spec, `Port "${portText}" is not a port number`);
  }
  port ??= 22;

  const jumpText = first(c, 'proxyjump');
  const jumpSpec = jumpText && jumpText.toLowerCase() !== 'none' ? jumpText : '';
  const proxyCommand = first(c, 'proxycommand');
  if (!jumpSpec && proxyCommand && proxyCommand.toLowerCase() !== 'none') {
    throw new AnoleError('SSH_CONFIG', `ssh config for ${spec} uses ProxyCommand, which Anole does not support`,
      'use ProxyJump instead (e.g. `ProxyJump bastion`)');
  }
  const hostKeyAlias = first(c, 'hostkeyalias');
  const l = os.hostname();
  const tokens: TokenValues = {
    d: ctx.home, u: ctx.localUser, h: hostName, r: user, p: String(port), n: host,
    l, L: l.split('.')[0], i: String(process.getuid?.() ?? ''), k: hostKeyAlias ?? host, j: jumpSpec,
  };
  tokens.C = createHash('sha1').update(`${l}${hostName}${port}${user}${jumpSpec}`).digest('hex');

  const configured = directiveValues(c.identityfile ?? []);
  const identityFiles = configured.length
    ? configured.map((f) => expandPath(f, ctx.home, ctx.env, tokens, 'IdentityFile'))
    : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(ctx.home, '.ssh', f));

  const knownFiles = (key: string, dflt: string[], name: string): string[] => {
    const v = all(c, key);
    if (!v.length) return dflt;
    if (v.length === 1 && v[0].toLowerCase() === 'none') return [];
    return v.map((f) => expandPath(f, ctx.home, ctx.env, tokens, name));
  };

  const proxyJump: ResolvedDestination[] = [];
  if (jumpSpec) {
    if (depth >= MAX_JUMP_DEPTH) {
      throw new AnoleError('SSH_CONFIG', `ProxyJump for ${spec} nests more than ${MAX_JUMP_DEPTH} deep`,
        'a jump host probably jumps through itself; exclude it from the pattern, e.g. `Host * !bastion`');
    }
    jumpSpec.split(',').map((s) => s.trim()).forEach((hopSpec, i) => {
      if (!hopSpec) throw configError(spec, `ProxyJump "${jumpSpec}" has an empty hop`);
      const hop = resolveOne(ctx, hopSpec, parseDestination(hopSpec), depth + 1);
      // As in OpenSSH, only the first hop's own ProxyJump applies; later hops are reached through earlier ones.
      if (i === 0) proxyJump.push(...hop.proxyJump);
      proxyJump.push({ ...hop, proxyJump: [] });
    });
  }

  const interval = parseSeconds(c, 'serveraliveinterval', 'ServerAliveInterval', spec);
  const countText = first(c, 'serveralivecountmax');
  if (countText !== undefined && !/^\d+$/.test(countText)) throw configError(spec, `ServerAliveCountMax must be a number, not "${countText}"`);
  return {
    destination: spec,
    host,
    hostName,
    port,
    user,
    identityFiles,
    identityFilesAreDefaults: configured.length === 0,
    identitiesOnly: parseBool(c, 'identitiesonly', 'IdentitiesOnly', spec),
    identityAgent: resolveAgent(c, ctx, tokens),
    proxyJump,
    userKnownHostsFiles: knownFiles('userknownhostsfile',
      [path.join(ctx.home, '.ssh', 'known_hosts'), path.join(ctx.home, '.ssh', 'known_hosts2')], 'UserKnownHostsFile'),
    globalKnownHostsFiles: knownFiles('globalknownhostsfile',
      ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'], 'GlobalKnownHostsFile'),
    strictHostKeyChecking: parseStrict(c, spec),
    hashKnownHosts: parseBool(c, 'hashknownhosts', 'HashKnownHosts', spec),
    hostKeyAlias,
    connectTimeoutMs: parseSeconds(c, 'connecttimeout', 'ConnectTimeout', spec) || DEFAULT_CONNECT_TIMEOUT_MS,
    serverAliveIntervalMs: interval ?? DEFAULT_SERVER_ALIVE_INTERVAL_MS,
    serverAliveCountMax: countText !== undefined ? Number(countText) : DEFAULT_SERVER_ALIVE_COUNT_MAX,
    configFile: ctx.configFile,
  };
}

/**
 * Resolves `destination` (an alias or [user@]host[:port]) through the ssh config: Host
 * patterns with first-value-wins, HostName/User/Port, IdentityFile, IdentityAgent, ProxyJump
 * (hops resolved through the same config), known_hosts files, StrictHostKeyChecking,
 * timeouts and keep-alives. An explicit user or port in `destination` beats the config.
 * `Match exec` is never run (config text must not execute commands here) and ProxyCommand is
 * refused with an SSH_CONFIG error. Errors: SSH_CONFIG.
 */
export async function resolveDestination(destination: string, opts: ResolveOptions = {}): Promise<ResolvedDestination> {
  const home = opts.homeDir ?? os.homedir();
  const file = opts.configFile ?? path.join(home, '.ssh', 'config');
  const config = await loadSshConfig(file, opts.configFile !== undefined, home);
  const ctx: Ctx = {
    config,
    home,
    localUser: opts.localUser ?? os.userInfo().username,
    env: opts.env ?? process.env,
    configFile: config.length ? file : undefined,
  };
  return resolveOne(ctx, destination, parseDestination(destination), 0);
}
