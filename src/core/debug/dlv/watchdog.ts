// Starts `dlv attach --headless` on the host under a watchdog that makes dlv detach when our SSH channel goes away.
import { AnoleError } from '../../errors';
import type { RemoteHost, RemoteProcess } from '../../remote/host';
import { shellScript } from '../../shell';
import type { CoreTarget } from '../backend';
import { KILL_AFTER_GRACE } from '../watchdogShell';


/**
 * $1 dlv, $2 grace seconds, $3... dlv's command (`attach PID` or `core EXE CORE`). dlv runs in the background; a watcher reads our stdin (the
 * SSH channel) and, at EOF — we ended it, the adapter died or the connection dropped — sends
 * dlv SIGTERM, on which headless dlv logs "detaching", detaches from an attached process
 * (without killing it) and exits 0; after the grace period SIGKILL, on which the kernel detaches
 * the tracee and it runs on (both verified with dlv 1.27 on a stopped and a running target).
 * Not SIGINT: sh starts background jobs with SIGINT ignored. The watcher's stdin is fd 3
 * because sh gives background jobs /dev/null for stdin.
 * dlv's server has no authentication: it listens on the host's loopback only, for one client.
 */
export const DLV_WATCHDOG_SCRIPT = `dlv="$1"; grace="$2"; shift 2
exec 3<&0
"$dlv" "$@" --headless --listen=127.0.0.1:0 --accept-multiclient=false --api-version=2 </dev/null &
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
exit "$status"
`;

/** Seconds between SIGTERM and SIGKILL of an orphaned dlv. */
export const DLV_GRACE_SECONDS = 5;

/** The port in dlv's "API server listening at: 127.0.0.1:PORT" line, or undefined. */
export function parseListeningLine(text: string): number | undefined {
  const m = /API server listening at:\s*(?:\[[^\]]*\]|[^\s:]+):(\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** A dlv server running under the watchdog. */
export interface DlvServer {
  process: RemoteProcess;
  port: number;
  /** What dlv wrote on stderr so far. */
  stderr(): string;
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
  const port = await new Promise<number>((resolve, reject) => {
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
      }
    });
    void proc.exited.then(({ code }) => {
      clearTimeout(timer);
      const why = (err.trim().split('\n').filter(Boolean).pop() ?? `exited with ${code}`).replace(/^Error:\s*/, '');
      reject(new AnoleError('REMOTE_COMMAND', `dlv could not ${what} on ${host.label}: ${why}`));
    });
  });
  return { process: proc, port, stderr: () => err };
}
