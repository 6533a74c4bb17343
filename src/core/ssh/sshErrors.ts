// Turns socket and ssh2 failures into one-line AnoleErrors that say what to check.
import { AnoleError } from '../errors';

/** Where a connection attempt was going, for messages. */
export interface Target {
  host: string;
  port: number;
  /** e.g. "deploy@10.0.0.5:22". */
  label: string;
  connectTimeoutMs?: number;
}

function hostPort(t: Target): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

/** The "no SSH answer" timeout error for the connect plus handshake phase. */
export function connectTimeoutError(t: Target): AnoleError {
  const secs = t.connectTimeoutMs !== undefined ? ` within ${Math.round(t.connectTimeoutMs / 100) / 10} s` : '';
  return new AnoleError('TIMEOUT', `no SSH answer from ${hostPort(t)}${secs}`,
    'check that the host is up and reachable (VPN, firewall) and that sshd listens on that port; ConnectTimeout sets the limit',
    { host: t.host, port: t.port });
}

/**
 * Maps an error from net/ssh2 while connecting to `t` (before the session is ready).
 * Authentication and host key failures are handled by their own code and never get here.
 */
export function mapConnectError(err: unknown, t: Target): AnoleError {
  if (err instanceof AnoleError) return err;
  const e = err as NodeJS.ErrnoException & { level?: string };
  const where = hostPort(t);
  const details = { host: t.host, port: t.port, cause: e?.code ?? e?.message };
  switch (e?.code) {
    case 'ECONNREFUSED':
      return new AnoleError('SSH_CONNECT', `connection refused by ${where} — is sshd running / right port?`,
        'check the Port in your ssh config or destination, and that sshd runs on the host', details);
    case 'ETIMEDOUT':
      return connectTimeoutError(t);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new AnoleError('SSH_CONNECT', `cannot resolve host name "${t.host}"`,
        'check HostName in your ssh config (or the destination) and your DNS', details);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new AnoleError('SSH_CONNECT', `no route to ${where}`, 'check the address and your network/VPN', details);
    case 'ECONNRESET':
    case 'EPIPE':
      return new AnoleError('SSH_CONNECT', `${where} closed the connection during the SSH handshake`,
        'is it an SSH server on that port? sshd may also drop connections (MaxStartups, AllowUsers, fail2ban)', details);
  }
  const msg = e?.message ?? String(err);
  if (e?.level === 'client-timeout') return connectTimeoutError(t);
  if (/Connection lost before handshake/i.test(msg)) {
    return new AnoleError('SSH_CONNECT', `${where} closed the connection before the SSH handshake`,
      'is it an SSH server on that port? sshd may also drop connections (MaxStartups, AllowUsers, fail2ban)', details);
  }
  if (e?.level === 'handshake' || /handshake|no matching|negotiat/i.test(msg)) {
    return new AnoleError('SSH_CONNECT', `SSH handshake with ${where} failed: ${msg}`,
      'the server may only offer algorithms this client does not support', details);
  }
  return new AnoleError('SSH_CONNECT', `cannot connect to ${t.label}: ${msg}`, undefined, details);
}

/** The error for operations on a connection that went away (dropped, keep-alive timeout, closed). */
export function connectionLostError(label: string, reason?: string): AnoleError {
  return new AnoleError('SSH_CONNECT', `connection to ${label} was lost${reason ? ` (${reason})` : ''}`,
    'the host may have rebooted or the network dropped; run the command again to reconnect');
}
