// The one remote sh script the doctor runs per host (files it reads, cgroup ancestors, a throttling window) and its parser.
import { PREFLIGHT_SCRIPT } from './ptrace';

/** Files read in every cgroup directory from the process's cgroup up to the hierarchy's root. */
export const CGROUP_FILES = [
  'cpu.max', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.stat', 'cpu.pressure',
  'cpuset.cpus.effective', 'cpuset.effective_cpus',
  'memory.max', 'memory.high', 'memory.limit_in_bytes', 'memory.events', 'memory.oom_control',
];

/** Go's CA file list (crypto/x509/root_linux.go) and directory list; SSL_CERT_FILE/SSL_CERT_DIR replace them. */
export const GO_CERT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];
export const GO_CERT_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs'];
/** time/zoneinfo_unix.go platformZoneSources. */
export const GO_ZONE_SOURCES = ['/usr/share/zoneinfo/', '/usr/share/lib/zoneinfo/', '/usr/lib/locale/TZ/', '/etc/zoneinfo'];

/**
 * $1 is the pid ('' for the host only), $2 the throttling window in seconds (0: none). Output:
 * "K key=value" lines; "@f PATH" + content + "@." for a file read; "@u PATH" unreadable; "@n PATH"
 * missing; "@x PATH" + od hex + "@." for NUL-separated files; "@cg HIER CONTROLLERS DIR" before the
 * files of one cgroup directory (leaf first); "@t2" then the second cpu.stat readings;
 * "@preflight" ... "@endpreflight" around the debugger preflight's own lines; "@end".
 * Files under the process's root (/proc/PID/root) are read when we may, so a container or a
 * private mount namespace is seen as the process sees it.
 */
export const DOCTOR_SCRIPT = `LC_ALL=C; export LC_ALL
pid=$1; win=\${2:-0}
f() { for x do
  if v=$(cat -- "$x" 2>/dev/null); then printf '@f %s\\n%s\\n@.\\n' "$x" "$v"
  elif [ -e "$x" ]; then printf '@u %s\\n' "$x"
  else printf '@n %s\\n' "$x"; fi
done; }
k() { printf 'K %s=%s\\n' "$1" "$2"; }
k uid "$(id -u)"
k kernel "$(uname -r)"
k glibc "$(getconf GNU_LIBC_VERSION 2>/dev/null)"
f /etc/os-release /proc/self/cgroup /proc/sys/kernel/yama/ptrace_scope /proc/sys/kernel/dmesg_restrict \\
  /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag \\
  /sys/devices/system/clocksource/clocksource0/current_clocksource /sys/devices/system/clocksource/clocksource0/available_clocksource
echo @preflight
( set -- "$pid"
${PREFLIGHT_SCRIPT}) 2>/dev/null
echo @endpreflight
root=
env1() { [ -n "$pid" ] && tr '\\0' '\\n' <"/proc/$pid/environ" 2>/dev/null | sed -n "s/^$1=//p" | sed -n 1p; }
if [ -n "$pid" ]; then
  [ -e "/proc/$pid" ] || k gone 1
  k exe "$(readlink "/proc/$pid/exe" 2>/dev/null)"
  f "/proc/$pid/status" "/proc/$pid/limits" "/proc/$pid/cgroup" "/proc/$pid/net/udp" "/proc/$pid/net/udp6"
  if e=$(od -An -tx1 -v "/proc/$pid/environ" 2>/dev/null); then printf '@x %s\\n%s\\n@.\\n' "/proc/$pid/environ" "$e"; else printf '@u %s\\n' "/proc/$pid/environ"; fi
  if (cd "/proc/$pid/root/" 2>/dev/null); then root=/proc/$pid/root; fi
  k root "$root"
else
  f /proc/net/udp /proc/net/udp6
fi
f "$root/etc/nsswitch.conf" "$root/etc/resolv.conf"
cafile() { if [ -r "$root$1" ] && grep -q 'BEGIN CERTIFICATE' "$root$1" 2>/dev/null; then k cafile "pem $1"
  elif [ -r "$root$1" ]; then k cafile "nopem $1"; elif [ -e "$root$1" ]; then k cafile "unreadable $1"; else k cafile "missing $1"; fi; }
cadir() { if [ -d "$root$1" ]; then k cadir "$(grep -ls 'BEGIN CERTIFICATE' "$root$1"/* 2>/dev/null | wc -l | tr -d ' ') $1"; else k cadir "missing $1"; fi; }
for c in ${GO_CERT_FILES.join(' ')} "$(env1 SSL_CERT_FILE)"; do [ -n "$c" ] && cafile "$c"; done
d="${GO_CERT_DIRS.join(':')}:$(env1 SSL_CERT_DIR)"; IFS=:; set -- $d; unset IFS
for c do [ -n "$c" ] && cadir "$c"; done
tz=$(env1 TZ); zi=$(env1 ZONEINFO); tz=\${tz#:}
for z in ${GO_ZONE_SOURCES.join(' ')}; do if [ -d "$root$z" ]; then k zonedir "yes $z"; else k zonedir "no $z"; fi; done
[ -e "$root/etc/localtime" ] && k localtime yes
if [ -n "$tz" ]; then case $tz in /*) p=$tz;; *) p=/usr/share/zoneinfo/$tz;; esac; if [ -f "$root$p" ]; then k tzfile "yes $p"; else k tzfile "no $p"; fi; fi
if [ -n "$zi" ]; then if [ -e "$root$zi" ]; then k zoneinfo "yes $zi"; else k zoneinfo "no $zi"; fi; fi
stats=
if [ -n "$pid" ] && [ -r "/proc/$pid/cgroup" ]; then
  while IFS=: read -r h c p; do
    case $h in 0) want=v2;; *) case ",$c," in *,cpu,*|*,memory,*|*,cpuset,*) want=v1;; *) continue;; esac;; esac
    done1=
    while read -r a b dv r m o rest; do
      [ -z "$done1" ] || break
      fs=\${rest#*- }; t=\${fs%% *}; so=\${fs##* }
      case $want:$t in
        v2:cgroup2) ;;
        v1:cgroup) hit=; for x in $(echo "$c" | tr , ' '); do case ",$so," in *,"$x",*) hit=1;; esac; done; [ -n "$hit" ] || continue;;
        *) continue;;
      esac
      q=$p
      case $r in /) ;; *) case $q in "$r"|"$r"/*) q=\${q#"$r"};; *) continue;; esac;; esac
      done1=1
      while :; do
        d=$m$q; d=\${d%/}
        printf '@cg %s %s %s\\n' "$h" "$c" "$d"
        for x in ${CGROUP_FILES.join(' ')}; do [ -e "$d/$x" ] && f "$d/$x"; done
        [ -e "$d/cpu.stat" ] && stats="$stats$d/cpu.stat
"
        case $q in ''|/) break;; esac
        q=\${q%/*}
      done
    done </proc/self/mountinfo
  done <"/proc/$pid/cgroup"
fi
if [ -n "$stats" ] && [ "$win" != 0 ]; then
  sleep "$win"
  echo @t2
  IFS='
'; for x in $stats; do f "$x"; done; unset IFS
fi
echo @end
`;

/** What the script printed, parsed. */
export interface RawEvidence {
  /** "K" values; keys that repeat (cafile, cadir, zonedir) keep every value. */
  kv: Map<string, string[]>;
  /** Files read: path → content (without the last newline). */
  files: Map<string, string>;
  /** Files that exist but could not be read. */
  unreadable: Set<string>;
  /** Files that do not exist. */
  missing: Set<string>;
  /** NUL-separated files (environ) as raw bytes. */
  binary: Map<string, Buffer>;
  /** cgroup directories in the order printed (each hierarchy leaf first, then its ancestors). */
  cgroups: CgroupDir[];
  /** Second reading of cpu.stat files after the window, by path. */
  later: Map<string, string>;
  /** The debugger preflight's lines, for its own parser. */
  preflight: string;
}

/** One cgroup directory the script read. */
export interface CgroupDir {
  /** "0" for cgroup v2, else the v1 hierarchy id. */
  hierarchy: string;
  controllers: string;
  dir: string;
  /** File name → content, for the files present. */
  files: Map<string, string>;
}

/** Parses the script's output. Throws when it was cut short (no @end). */
export function parseDoctorOutput(text: string): RawEvidence {
  const ev: RawEvidence = {
    kv: new Map(), files: new Map(), unreadable: new Set(), missing: new Set(), binary: new Map(), cgroups: [], later: new Map(), preflight: '',
  };
  const lines = text.split('\n');
  let cg: CgroupDir | null = null;
  let phase2 = false;
  let i = 0;
  const block = (): string => {
    const start = ++i;
    while (i < lines.length && lines[i] !== '@.') i++;
    const body = lines.slice(start, i).join('\n');
    return body;
  };
  let ended = false;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line === '@end') {
      ended = true;
      break;
    }
    if (line === '@preflight') {
      const start = i + 1;
      while (i < lines.length && lines[i] !== '@endpreflight') i++;
      ev.preflight = lines.slice(start, i).join('\n');
    } else if (line === '@t2') {
      phase2 = true;
      cg = null;
    } else if (line.startsWith('K ')) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(2, eq);
      const list = ev.kv.get(key) ?? [];
      list.push(line.slice(eq + 1));
      ev.kv.set(key, list);
    } else if (line.startsWith('@f ')) {
      const path = line.slice(3);
      const body = block();
      if (phase2) ev.later.set(path, body);
      else {
        ev.files.set(path, body);
        if (cg && path.startsWith(`${cg.dir}/`)) cg.files.set(path.slice(cg.dir.length + 1), body);
      }
    } else if (line.startsWith('@x ')) {
      const path = line.slice(3);
      ev.binary.set(path, Buffer.from(block().replace(/\s+/g, ''), 'hex'));
    } else if (line.startsWith('@u ')) {
      ev.unreadable.add(line.slice(3));
    } else if (line.startsWith('@n ')) {
      ev.missing.add(line.slice(3));
    } else if (line.startsWith('@cg ')) {
      const m = /^@cg (\S+) (\S*) (.*)$/.exec(line);
      if (m) {
        cg = { hierarchy: m[1], controllers: m[2], dir: m[3], files: new Map() };
        ev.cgroups.push(cg);
      }
    }
  }
  if (!ended) throw new Error('the doctor script output was cut short (no @end)');
  return ev;
}

/** The first value of a "K" key. */
export function kv1(ev: RawEvidence, key: string): string | undefined {
  return ev.kv.get(key)?.[0];
}
