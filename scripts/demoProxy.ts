// The demo's front door: an HTTP proxy on 127.0.0.1 that lets a browser into the code-server behind
// it (on a 0600 Unix socket) only after it presented the random token printed with the URL.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A running proxy. */
export interface DemoProxy {
  /** The URL to open: http://127.0.0.1:PORT/?tkn=TOKEN (append `&folder=…` to pick a folder). */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'anole-demo';

function sameToken(a: string | null | undefined, token: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(token);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

/** The request's headers as a raw HTTP/1.1 head for the upstream, Host rewritten. */
function rawHead(req: http.IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Starts the proxy on 127.0.0.1 (a port the OS picks) in front of `upstreamSocket`. A request
 * carrying `?tkn=TOKEN` gets an HttpOnly, SameSite=Strict cookie and a redirect to the same URL
 * without the token; requests and WebSocket upgrades with that cookie are passed through; anything
 * else gets 403.
 */
export async function startDemoProxy(upstreamSocket: string): Promise<DemoProxy> {
  const token = randomBytes(24).toString('base64url');
  const allowed = (req: http.IncomingMessage): boolean => sameToken(cookieToken(req.headers.cookie), token);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const given = url.searchParams.get('tkn');
    if (given !== null) {
      if (!sameToken(given, token)) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('anole demo: wrong token\n');
        return;
      }
      url.searchParams.delete('tkn');
      res.writeHead(302, {
        'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: `${url.pathname}${url.search}`,
      }).end();
      return;
    }
    if (!allowed(req)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('anole demo: open the URL that `npm run demo` printed (it carries the token)\n');
      return;
    }
    const up = http.request({ socketPath: upstreamSocket, path: req.url, method: req.method, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.rawHeaders);
      upRes.pipe(res);
    });
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`anole demo: code-server did not answer: ${e.message}\n`);
    });
    req.pipe(up);
  });

  const upgraded = new Set<net.Socket>();
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (!allowed(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    const up = net.connect(upstreamSocket, () => {
      upgraded.add(socket).add(up);
      up.write(rawHead(req));
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    const drop = (): void => {
      up.destroy();
      socket.destroy();
    };
    up.on('error', drop);
    socket.on('error', drop);
    up.on('close', () => {
      upgraded.delete(up);
      socket.destroy();
    });
    socket.on('close', () => {
      upgraded.delete(socket);
      up.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/?tkn=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of upgraded) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
