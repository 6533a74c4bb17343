// Checks that replay Go's own lookups: the DNS resolver choice (net/conf.go), TLS roots (crypto/x509/root_linux.go), zoneinfo (time).
import { effectiveGodebug, envEvidence, type DoctorInput } from './facts';
import { GO_CERT_DIRS, GO_CERT_FILES, GO_ZONE_SOURCES } from './script';
import { msg, type Text } from './msg';
import type { Draft, DraftEvidence } from './types';

/** Where a file of the process's view came from: its root when readable, else the host's. */
function rooted(input: DoctorInput, path: string): string {
  return `${input.ev.kv.get('root')?.[0] ?? ''}${path}`;
}

/** The "hosts:" sources of nsswitch.conf, without [criteria]. */
export function nssHosts(text: string | undefined): { sources: string[]; criteria: boolean } | undefined {
  const line = (text ?? '').split('\n').map((l) => l.replace(/#.*/, '').trim()).find((l) => /^hosts\s*:/.test(l));
  if (!line) return undefined;
  const rest = line.replace(/^hosts\s*:/, '');
  return { sources: rest.replace(/\[[^\]]*\]/g, ' ').trim().split(/\s+/).filter(Boolean), criteria: /\[/.test(rest) };
}

/** Nameservers of resolv.conf. */
export function nameservers(text: string): string[] {
  return text.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((s): s is string => !!s);
}

/** Local addresses with a UDP socket on port 53, from /proc/net/udp and udp6 ("127.0.0.53", "0.0.0.0", "::1", "::"). */
export function udp53Listeners(udp: string | undefined, udp6: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const line of (udp ?? '').split('\n')) {
    const m = /^\s*\d+:\s+([0-9A-F]{8}):0035\s/i.exec(line);
    if (m) out.add([3, 2, 1, 0].map((i) => parseInt(m[1].slice(i * 2, i * 2 + 2), 16)).join('.'));
  }
  for (const line of (udp6 ?? '').split('\n')) {
    const m = /^\s*\d+:\s+([0-9A-F]{32}):0035\s/i.exec(line);
    if (!m) continue;
    if (/^0{32}$/.test(m[1])) out.add('::');
    else if (m[1].toUpperCase() === '00000000000000000000000001000000') out.add('::1');
  }
  return out;
}

function loopback(ns: string): boolean {
  return /^127\./.test(ns) || ns === '::1';
}

/** `dns-resolver`: which resolver Go picks (net/conf.go) and whether its nameservers can answer. */
export function checkDns(input: DoctorInput): Draft {
  const id = 'dns-resolver';
  const evidence: DraftEvidence[] = [];
  const b = input.binary;
  const tags = (b?.settings['-tags'] ?? '').split(',');
  const cgo = !!b && !!b.interp && b.settings.CGO_ENABLED === '1' && !tags.includes('netgo');
  const netdns = effectiveGodebug(input).get('netdns')?.value.split('+').find((p) => p === 'go' || p === 'cgo');
  const env = input.env ?? new Map<string, string>();
  let resolver: 'go' | 'cgo';
  let why: Text;
  if (input.pid === undefined || !b) {
    resolver = 'go';
    why = msg('no process given: judged for the pure Go resolver (static binaries)');
  } else if (!cgo || tags.includes('netgo') || netdns === 'go') {
    resolver = 'go';
    why = !cgo ? msg('binary without cgo (or static): pure Go resolver') : netdns === 'go' ? 'GODEBUG netdns=go' : msg('built with -tags netgo');
  } else if (netdns === 'cgo' || env.has('LOCALDOMAIN') || env.get('RES_OPTIONS') || env.get('HOSTALIASES')) {
    resolver = 'cgo';
    why = netdns === 'cgo' ? 'GODEBUG netdns=cgo' : msg('LOCALDOMAIN/RES_OPTIONS/HOSTALIASES in the environment');
  } else {
    resolver = 'go';
    why = msg('cgo binary: Go picks its own resolver unless nsswitch.conf needs glibc');
  }
  if (b) {
    const build = `CGO_ENABLED=${b.settings.CGO_ENABLED ?? '?'}${b.settings['-tags'] ? `, -tags ${b.settings['-tags']}` : ''}`;
    evidence.push({ source: msg('binary'), value: b.interp ? msg('dynamic ({0}), {1}', b.interp, build) : msg('static, {0}', build) });
  }
  const nssPath = rooted(input, '/etc/nsswitch.conf');
  const nss = nssHosts(input.ev.files.get(nssPath));
  evidence.push({ source: nssPath, value: nss ? `hosts: ${nss.sources.join(' ')}` : input.ev.missing.has(nssPath) ? msg('missing (Go: files then dns)') : msg('no hosts: line') });
  const others = (nss?.sources ?? []).filter((s) => s !== 'files' && s !== 'dns');
  if (resolver === 'go' && cgo && (others.length || nss?.criteria)) {
    resolver = 'cgo';
    why = msg('nsswitch.conf hosts: uses {0}, so Go hands lookups to glibc', others.join(', ') || '[criteria]');
  }
  evidence.push({ source: msg('resolver'), value: msg('{0}: {1}', resolver === 'go' ? 'Go' : 'cgo (glibc)', why) });
  const resolvPath = rooted(input, '/etc/resolv.conf');
  const resolv = input.ev.files.get(resolvPath);
  const servers = resolv === undefined ? ['127.0.0.1', '::1'] : nameservers(resolv);
  evidence.push({ source: resolvPath, value: resolv === undefined ? msg('missing: Go uses 127.0.0.1:53 and [::1]:53') : servers.length ? `nameserver ${servers.join(', ')}` : msg('nameserver (none)') });
  const udpPath = input.pid !== undefined ? `/proc/${input.pid}/net/udp` : '/proc/net/udp';
  const listeners = udp53Listeners(input.ev.files.get(udpPath), input.ev.files.get(`${udpPath}6`));
  const dead = servers.filter((s) => loopback(s) && !listeners.has(s) && !listeners.has(s.includes(':') ? '::' : '0.0.0.0'));
  if (servers.some(loopback)) evidence.push({ source: `${udpPath}, ${udpPath}6`, value: listeners.size ? msg('UDP port 53 listeners: {0}', [...listeners].join(', ')) : msg('UDP port 53 listeners: none') });
  if (dead.length && dead.length === servers.length) {
    return { id, severity: 'error', evidence,
      title: dead.length > 1 ? msg('no nameserver can answer: {0} are local stub resolvers with no listener on UDP port 53', dead.join(', '))
        : msg('no nameserver can answer: {0} is a local stub resolver with no listener on UDP port 53', dead[0]),
      fix: msg('start the stub resolver (systemctl start systemd-resolved or dnsmasq) or point /etc/resolv.conf at a real server: "nameserver <your DNS server>"') };
  }
  // myhostname only answers the host's own name, localhost and _gateway: /etc/hosts usually covers it.
  const ignored = others.filter((x) => x !== 'myhostname');
  if (resolver === 'go' && others.length && input.pid !== undefined) {
    evidence.push({ source: 'net/conf.go', value: msg('the Go resolver ignores {0}', others.join(', ')) });
  }
  if (resolver === 'go' && ignored.length && input.pid !== undefined) {
    return { id, severity: 'warning', evidence, title: msg('the Go resolver ignores nsswitch.conf sources {0}: names only they know will not resolve', others.join(', ')),
      fix: msg('build with CGO_ENABLED=1 and run with GODEBUG=netdns=cgo, or serve those names from /etc/hosts or DNS (nsswitch.conf line: "hosts: files dns")') };
  }
  if (dead.length) {
    return { id, severity: 'warning', evidence, title: msg('nameserver {0} has no listener on UDP port 53: every lookup waits for its timeout first', dead.join(', ')),
      fix: msg('remove "nameserver {0}" from /etc/resolv.conf or start its stub resolver', dead[0]) };
  }
  if (!servers.length) return { id, severity: 'error', evidence, title: msg('resolv.conf lists no nameserver'), fix: msg('add "nameserver <your DNS server>" to /etc/resolv.conf') };
  return { id, severity: 'ok', evidence, title: msg('{0} resolver; nameservers {1}', resolver === 'go' ? 'Go' : 'cgo', servers.join(', ')) };
}

/** `ca-roots`: replays loadSystemRoots: the first readable file of the list, then every directory. */
export function checkCaRoots(input: DoctorInput): Draft {
  const id = 'ca-roots';
  const fileEnv = input.env?.get('SSL_CERT_FILE') || undefined;
  const dirEnv = input.env?.get('SSL_CERT_DIR') || undefined;
  const files = fileEnv ? [fileEnv] : GO_CERT_FILES;
  const dirs = dirEnv ? dirEnv.split(':') : GO_CERT_DIRS;
  const fileState = new Map<string, string>();
  for (const v of input.ev.kv.get('cafile') ?? []) fileState.set(v.slice(v.indexOf(' ') + 1), v.slice(0, v.indexOf(' ')));
  const dirState = new Map<string, string>();
  for (const v of input.ev.kv.get('cadir') ?? []) dirState.set(v.slice(v.indexOf(' ') + 1), v.slice(0, v.indexOf(' ')));
  const evidence: DraftEvidence[] = [];
  if (input.pid !== undefined) evidence.push(envEvidence(input, 'SSL_CERT_FILE'), envEvidence(input, 'SSL_CERT_DIR'));
  const root = input.ev.kv.get('root')?.[0];
  const at = (path: string): Text => (root ? msg('{0} (seen from {1})', path, root) : path);
  let roots = 0;
  for (const f of files) {
    const s = fileState.get(f) ?? 'unknown';
    evidence.push({ source: at(f), value: s === 'unknown' ? msg('unknown') : s });
    if (s === 'pem') roots++;
    if (s === 'pem' || s === 'nopem') break; // Go stops at the first file it can read
  }
  for (const d of dirs) {
    const s = dirState.get(d) ?? 'unknown';
    evidence.push({ source: at(d), value: s === 'missing' ? msg('missing') : msg('{0} files with certificates', s === 'unknown' ? msg('unknown') : s) });
    if (/^\d+$/.test(s)) roots += Number(s);
  }
  const replaced = [fileEnv && 'SSL_CERT_FILE', dirEnv && 'SSL_CERT_DIR'].filter(Boolean).join(' and ');
  if (roots === 0) {
    return { id, severity: 'error', evidence,
      title: replaced ? msg('Go finds no TLS root certificates ({0} replace Go\'s own lists): every HTTPS call fails with "certificate signed by unknown authority"', replaced)
        : msg('Go finds no TLS root certificates: every HTTPS call fails with "certificate signed by unknown authority"'),
      fix: replaced ? msg('point {0} at an existing bundle (e.g. SSL_CERT_FILE=/etc/pki/tls/certs/ca-bundle.crt) or unset it', replaced) : msg('sudo dnf install ca-certificates (provides /etc/pki/tls/certs/ca-bundle.crt)') };
  }
  return { id, severity: 'ok', evidence, title: msg('Go finds TLS root certificates') };
}

/** `tzdata`: TZ's zone file (or any zoneinfo for time.LoadLocation), unless time/tzdata is linked. */
export function checkTzdata(input: DoctorInput): Draft {
  const id = 'tzdata';
  const evidence: DraftEvidence[] = [];
  if (input.pid !== undefined) evidence.push(envEvidence(input, 'TZ'), envEvidence(input, 'ZONEINFO'));
  const dirs = new Map((input.ev.kv.get('zonedir') ?? []).map((v) => [v.slice(v.indexOf(' ') + 1), v.startsWith('yes')] as const));
  for (const z of GO_ZONE_SOURCES) evidence.push({ source: rooted(input, z), value: dirs.get(z) ? msg('present') : msg('missing') });
  const embedded = (input.binary?.settings['-tags'] ?? '').split(',').includes('timetzdata');
  if (embedded) evidence.push({ source: msg('build info -tags'), value: msg('timetzdata: zone data embedded') });
  const tzFile = input.ev.kv.get('tzfile')?.[0];
  const zoneinfoEnv = input.ev.kv.get('zoneinfo')?.[0];
  if (zoneinfoEnv) evidence.push({ source: 'ZONEINFO', value: zoneinfoEnv.startsWith('yes') ? msg('exists') : msg('missing') });
  const anyDir = [...dirs.values()].some(Boolean) || zoneinfoEnv?.startsWith('yes');
  const fix = msg('sudo dnf install tzdata, or link the data into the binary: import _ "time/tzdata" (or build with -tags timetzdata)');
  if (tzFile?.startsWith('no ') && !embedded && !zoneinfoEnv?.startsWith('yes')) {
    evidence.push({ source: tzFile.slice(3), value: msg('missing') });
    return { id, severity: 'error', evidence, fix, title: msg('TZ={0} but {1} is missing: Go silently runs in UTC', input.env?.get('TZ') ?? '', tzFile.slice(3)) };
  }
  if (!anyDir && !embedded) {
    return { id, severity: 'warning', evidence, fix, title: msg('no zoneinfo: time.LoadLocation fails for every zone name (local time still comes from /etc/localtime)') };
  }
  return { id, severity: 'ok', evidence, title: embedded ? msg('zone data embedded in the binary') : msg('zoneinfo present') };
}
