// Parses /proc/net/tcp and /proc/net/tcp6: listening sockets, their inodes and decoded addresses.

/** A TCP socket in LISTEN state, as one line of /proc/net/tcp{,6} describes it. */
export interface ListenSocket {
  /** Socket inode: matches the "socket:[N]" links in /proc/PID/fd. */
  inode: number;
  family: 4 | 6;
  /** Decoded address: "127.0.0.1", "0.0.0.0", "::1", "::", "::ffff:10.0.0.1". */
  ip: string;
  port: number;
  /** "ip:port" with IPv6 in brackets: "127.0.0.1:6060", "[::1]:6060". */
  address: string;
}

const TCP_LISTEN = '0A';

/**
 * The LISTEN sockets of a /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6) table. The
 * kernel prints each 32-bit word of the address in host byte order; this decodes the
 * little-endian layout of x86_64 and aarch64 hosts. Lines it cannot read are skipped.
 */
export function parseProcNetTcp(text: string, family: 4 | 6): ListenSocket[] {
  const out: ListenSocket[] = [];
  const hexLen = family === 4 ? 8 : 32;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    if (f.length < 10 || !/^\d+:$/.test(f[0]) || f[3] !== TCP_LISTEN) continue;
    const m = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(f[1]);
    if (!m || m[1].length !== hexLen || !/^\d+$/.test(f[9])) continue;
    const ip = family === 4 ? decodeHexIPv4(m[1]) : decodeHexIPv6(m[1]);
    const port = parseInt(m[2], 16);
    out.push({ inode: Number(f[9]), family, ip, port, address: formatHostPort(ip, port) });
  }
  return out;
}

/** "0100007F" (little-endian word) → "127.0.0.1". */
export function decodeHexIPv4(hex: string): string {
  const b = wordBytesLE(hex);
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** Four little-endian 32-bit words → RFC 5952 text: "00000000000000000000000001000000" → "::1". */
export function decodeHexIPv6(hex: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...wordBytesLE(hex.slice(i, i + 8)));
  return formatIPv6(bytes);
}

function wordBytesLE(hex8: string): number[] {
  const v = parseInt(hex8, 16);
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** Formats 16 bytes as RFC 5952 IPv6 text (IPv4-mapped as "::ffff:a.b.c.d"). */
export function formatIPv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // Longest run (≥ 2) of zero groups becomes "::"; the first one wins a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** "host:port", with an IPv6 host in brackets. */
export function formatHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Addresses to connect to, from the host itself, to reach a listening socket: the wildcard
 * 0.0.0.0 means 127.0.0.1, :: means ::1 then 127.0.0.1 (a dual-stack socket takes both),
 * an IPv4-mapped address means its IPv4 form.
 */
export function connectTargets(sock: Pick<ListenSocket, 'ip' | 'port'>): Array<{ host: string; port: number }> {
  const hosts =
    sock.ip === '0.0.0.0' ? ['127.0.0.1']
    : sock.ip === '::' ? ['::1', '127.0.0.1']
    : sock.ip.startsWith('::ffff:') && sock.ip.includes('.') ? [sock.ip.slice(7)]
    : [sock.ip];
  return hosts.map((host) => ({ host, port: sock.port }));
}
