// Opens authenticated ssh2 Clients: TCP with TCP_NODELAY, host key policy, auth, ProxyJump hop by hop.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { AnoleError, errorMessage } from '../errors';
import { createAuthSession, type AuthCallbacks } from './auth';
import { destinationLabel, type ResolvedDestination } from './config';
import { loadHostKeyPolicy, type HostKeyPolicy } from './hostKeyPolicy';
import { connectTimeoutError, mapConnectError, type Target } from './sshErrors';

/** Options for opening a connection: the prompts, plus an optional debug log (never gets secrets). */
export interface ConnectOptions extends AuthCallbacks {
  log?(message: string): void;
}

type SshError = Error & { level?: string; code?: string | number };

/** Opens a TCP socket with Nagle off (a tunnelled request takes ~2 ms instead of ~45 ms). */
export function openTcp(host: string, port: number): net.Socket {
  const sock = net.connect({ host, port });
  sock.setNoDelay(true);
  return sock;
}

/**
 * Runs the SSH handshake and authentication for `dest` over the stream `openSock` gives.
 * ConnectTimeout bounds the TCP connect plus key exchange, then each authentication round trip
 * (time spent waiting for a person to type a passphrase does not count; ssh2's readyTimeout
 * would count it, so it is off). Errors: SSH_CONNECT, TIMEOUT, SSH_AUTH,
 * HOST_KEY_UNKNOWN/CHANGED/REVOKED, SSH_CONFIG.
 */
export async function connectClient(dest: ResolvedDestination, openSock: () => Promise<Duplex> | Duplex, opts: ConnectOptions = {}): Promise<Client> {
  const label = destinationLabel(dest);
  const target: Target = { host: dest.hostName, port: dest.port, label, connectTimeoutMs: dest.connectTimeoutMs };
  const policy: HostKeyPolicy = await loadHostKeyPolicy(dest, opts.log);
  // Opened only now, right before ssh2 attaches its listeners, so no socket event can be missed.
  const sock = await openSock();
  const client = new Client();
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    let handshakeDone = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (onTimeout: () => AnoleError) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(onTimeout()), dest.connectTimeoutMs);
    };
    const auth = createAuthSession(dest, label, opts, {
      prompting: (active) => (active ? clearTimeout(timer) : arm(authTimeout)),
    });
    const authTimeout = () => new AnoleError('TIMEOUT', `${label} stopped answering during authentication`,
      'the server or the network may be overloaded; try again');
    const fail = (err: AnoleError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.destroy();
      sock.destroy();
      reject(err);
    };
    arm(() => connectTimeoutError(target));
    client.on('handshake', () => {
      handshakeDone = true;
      arm(authTimeout);
    });
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(client);
    });
    client.on('error', (err: SshError) => {
      if (settled) return; // later errors belong to the SshHost that owns the client
      if (policy.error) return fail(policy.error);
      if (err.level === 'agent') return auth.note(`agent: ${err.message}`);
      if (err.level === 'client-authentication') {
        if (auth.exhausted) return fail(auth.failure());
        return auth.note(err.message);
      }
      if (handshakeDone && err.level !== 'client-socket' && err.level !== 'client-timeout') {
        return fail(auth.failure(err.message)); // e.g. "Too many authentication failures"
      }
      opts.log?.(`${label}: ${err.level ?? 'error'}: ${err.message}`);
      fail(mapConnectError(err, target));
    });
    client.on('close', () => {
      if (settled) return;
      if (policy.error) return fail(policy.error);
      if (auth.exhausted) return fail(auth.failure());
      fail(new AnoleError('SSH_CONNECT', `${label} closed the connection ${handshakeDone ? 'during authentication' : 'before the SSH handshake finished'}`,
        'is it an SSH server on that port? sshd may also drop connections (MaxStartups, AllowUsers, fail2ban)'));
    });
    const config: ConnectConfig = {
      sock,
      username: dest.user,
      readyTimeout: 0, // our own timers above
      keepaliveInterval: dest.serverAliveIntervalMs,
      keepaliveCountMax: dest.serverAliveCountMax,
      hostVerifier: (key: Buffer, done: (ok: boolean) => void) => policy.verify(key, done),
      authHandler: (left, partial, next) => {
        arm(authTimeout); // one round trip at a time; paused while prompting
        auth.handler(left, partial, next);
      },
      algorithms: { serverHostKey: policy.algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
    };
    try {
      client.connect(config);
    } catch (e) {
      fail(mapConnectError(e, target));
    }
  });
}

/** Opens a direct-tcpip channel from `client` to host:port, bounded by `timeoutMs`. */
export function forwardOut(client: Client, host: string, port: number, timeoutMs: number, via: string): Promise<ClientChannel> {
  return openChannel(`${host}:${port}`, timeoutMs, via,
    'check that something listens on that address as seen from that host, and that sshd allows TCP forwarding (AllowTcpForwarding)',
    (cb) => client.forwardOut('127.0.0.1', 0, host, port, cb));
}

/** Opens a direct-streamlocal channel (OpenSSH) from `client` to the Unix socket `socketPath` on the host, bounded by `timeoutMs`. */
export function forwardOutUnix(client: Client, socketPath: string, timeoutMs: number, via: string): Promise<ClientChannel> {
  return openChannel(socketPath, timeoutMs, via,
    'check that the socket exists and that sshd allows Unix socket forwarding (AllowStreamLocalForwarding, DisableForwarding in sshd_config)',
    (cb) => client.openssh_forwardOutStreamLocal(socketPath, cb));
}

function openChannel(
  what: string, timeoutMs: number, via: string, hint: string,
  open: (cb: (err: Error | undefined, stream: ClientChannel) => void) => void,
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new AnoleError('TIMEOUT', `${via} could not reach ${what} within ${Math.round(timeoutMs / 1000)} s`,
        'check that the target is up and reachable from that host'));
    }, timeoutMs);
    try {
      open((err, stream) => {
        clearTimeout(timer);
        if (done) {
          stream?.destroy();
          return;
        }
        done = true;
        if (err) reject(new AnoleError('SSH_CONNECT', `${via} could not open a connection to ${what}: ${err.message}`, hint));
        else resolve(stream);
      });
    } catch (e) {
      clearTimeout(timer);
      reject(new AnoleError('SSH_CONNECT', `${via}: ${errorMessage(e)}`));
    }
  });
}

/**
 * Connects to `dest` through its ProxyJump hops, each hop's socket being a forwardOut channel of
 * the previous client. Returns the clients in hop order, the destination's last. On failure every
 * client already opened is closed.
 */
export async function connectChain(dest: ResolvedDestination, opts: ConnectOptions = {}): Promise<Client[]> {
  const hops = [...dest.proxyJump, dest];
  const clients: Client[] = [];
  try {
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i];
      const prev = clients[i - 1];
      const openSock = i === 0
        ? () => openTcp(hop.hostName, hop.port)
        : () => forwardOut(prev, hop.hostName, hop.port, hop.connectTimeoutMs, `jump host ${destinationLabel(hops[i - 1])}`);
      opts.log?.(`connecting to ${destinationLabel(hop)}${i > 0 ? ` via ${destinationLabel(hops[i - 1])}` : ''}`);
      clients.push(await connectClient(hop, openSock, opts));
    }
    return clients;
  } catch (e) {
    for (const c of clients.reverse()) c.destroy();
    throw e;
  }
}
