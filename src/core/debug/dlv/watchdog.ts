// Starts `dlv --headless` on the host on a Unix socket in a private dir, under a watchdog that makes dlv detach when our SSH channel goes away.
import { AnoleError } from '../../errors';
import type { RemoteHost, RemoteProcess } from '../../remote/host';
import { shellScript } from '../../shell';
import type { CoreTarget } from '../backend';
import { KILL_AFTER_GRACE, sweepDeadWatchdogDirs } from '../watchdogShell';


/** The name of dlv's socket inside its private dir. */
export const DLV_SOCKET_NAME = 'dlv.sock';

/**
 * $1 dlv, $2 grace seconds, $3... dlv's command (`attach PID` or `core EXE CORE`).
 * dlv's API server has no authentication, so it never listens on TCP: it listens on a Unix
 * socket inside a fresh private dir (mktemp -d, mode 700, in $TMPDIR or /tmp; /tmp when $TMPDIR
 * is too long for a socket path), which only our user (and root) can reach; we reach it through
 * an SSH streamlocal channel. umask 077: the socket and what dlv writes (a core dump) are private
 * too. The dir is removed when dlv ends; dirs whose watchdog was killed
 * (it records its PID) are swept by the next start. dlv runs in the background; a watcher reads
 * our stdin (the SSH channel) and, at EOF — we ended it, the adapter died or the connection
 * dropped — sends dlv SIGTERM, on which headless dlv logs "detaching", detaches from an attached
 * process (without killing it) and exits 0; after the grace period SIGKILL, on which the kernel
 * detaches the tracee and it runs on (both verified with dlv 1.27 on a stopped and a running
 * target). Not SIGINT: sh starts background jobs with SIGINT ignored. The watcher's stdin is fd 3
 * because sh gives background jobs /dev/null for stdin.
 */
export const DLV_WATCHDOG_SCRIPT = `umask 077; dlv="$1"; grace="$2"; shift 2
base="\${TMPDIR:-/tmp}"
[ -d "$base" ] && [ \${#base} -le 80 ] || base=/tmp
${sweepDeadWatchdogDirs('"$base"/anole-dlv.*')}
d=$(mktemp -d "$base/anole-dlv.XXXXXX") || exit 96
echo "$$" > "$d/watchdog.pid"
exec 3<&0
"$dlv" "$@" --headless --listen="unix:$d/${DLV_SOCKET_NAME}" --accept-multiclient=false --api-version=2 </dev/null &
child=$!
{
  while read -r _; do :; done
  kill -TERM "$child" 2>/dev/null || exit 0
  ${KILL_AFTER_GRACE}
} <&3 >/dev/null 2>&1 &
watcher=$!
exec 3<&-
wait "$child"; status=$?
kill "$watcher" 2>/dev/null
rm -rf "$d"
exit "$status"
`;

/** Seconds between SIGTERM and SIGKILL of an orphaned dlv. */
export const DLV_GRACE_SECONDS = 5;

/** The Unix socket in dlv's "API server listening at: /tmp/anole-dlv.X/dlv.sock" line, or undefined (also for a TCP address). */
export function parseListeningLine(text: string): string | undefined {
  const m = /API server listening at:\s*(\/[^\r\n]*\/dlv\.sock)\s*$/m.exec(text);
  return m ? m[1] : undefined;
}

/** A dlv server running under the watchdog. */
export interface DlvServer {
  process: RemoteProcess;
  /** The Unix socket dlv listens on, in its private dir on the host. */
  socket: string;
  /** What dlv wrote on stderr so far. */
  stderr(): string;
}

/** dlv older than 1.22.1 cannot listen on a Unix socket: it takes "unix:..." for a TCP address. */
function tooOld(err: string): boolean {
  return /listen tcp: address unix:/.test(err) || /too many colons/.test(err);
}

/**
 * Starts dlv under the watchdog, attached to a PID or opening a core dump, and waits for its
 * listening line (rejects with dlv's error otherwise).
 */
export async function startDlvServer(host: RemoteHost, dlvPath: string, target: number | CoreTarget, timeoutMs = 30_000): Promise<DlvServer> {
  const command = typeof target === 'number' ? ['attach', String(target)] : ['core', target.executable, target.core, '--check-go-version=false'];
  const what = typeof target === 'number' ? `attach to process ${target}` : `open the core dump ${target.core}`;
  const proc = await host.spawn(shellScript(DLV_WATCHDOG_SCRIPT, [dlvPath, String(DLV_GRACE_SECONDS), ...command]));
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => { err = (err + d.toString('utf8')).slice(-16_384); });
  const socket = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.endInput();
      reject(new AnoleError('TIMEOUT', `dlv did not start listening within ${timeoutMs} ms on ${host.label}`, err.trim() || undefined));
    }, timeoutMs);
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const p = parseListeningLine(out);
      if (p !== undefined) {
        clearTimeout(timer);
        resolve(p);
      } else if (/API server listening at:.*\n/.test(out)) {
        clearTimeout(timer);
        proc.endInput();
        reject(new AnoleError('REMOTE_COMMAND', `dlv on ${host.label} did not listen on its private Unix socket: ${out.trim().split('\n').pop()}`));
      }
    });
    void proc.exited.then(({ code }) => {
      clearTimeout(timer);
      const why = (err.trim().split('\n').filter(Boolean).pop() ?? `exited with ${code}`).replace(/^Error:\s*/, '');
      if (code === 96) reject(new AnoleError('REMOTE_COMMAND', `cannot create a private directory for dlv on ${host.label}: ${why}`));
      else if (tooOld(err)) {
        reject(new AnoleError('REMOTE_COMMAND', `dlv on ${host.label} is too old to listen on a Unix socket (needs 1.22.1 or newer); Anole never exposes dlv on TCP`,
          'install a newer delve on the host (go install github.com/go-delve/delve/cmd/dlv@latest), or use the gdb backend'));
      } else reject(new AnoleError('REMOTE_COMMAND', `dlv could not ${what} on ${host.label}: ${why}`));
    });
  });
  return { process: proc, socket, stderr: () => err };
}
