// A RemoteHost seen as another uid: every command of a real host runs under setpriv (what a non-root SSH user can and cannot read).
import type { ExecOptions, ExecResult, RemoteHost, RemoteProcess } from '../../src/core/remote/host';
import type { Duplex } from 'node:stream';

/** Runs `inner`'s commands (and ranged reads, through dd) as `uid`:`gid` with no supplementary groups. */
export class AsUserHost implements RemoteHost {
  readonly label: string;

  constructor(private readonly inner: RemoteHost, private readonly uid: number, private readonly gid = uid) {
    this.label = `${inner.label} as uid ${uid}`;
  }

  private wrap(argv: readonly string[]): string[] {
    return ['setpriv', `--reuid=${this.uid}`, `--regid=${this.gid}`, '--clear-groups', '--reset-env', '--', ...argv];
  }

  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    return this.inner.exec(this.wrap(argv), opts);
  }

  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    const r = await this.exec(['dd', `if=${path}`, 'iflag=skip_bytes,count_bytes', `skip=${offset}`, `count=${length}`, 'bs=65536', 'status=none'], { maxBuffer: length + 1 });
    if (r.code !== 0) throw new Error(`dd ${path} as uid ${this.uid}: ${r.stderr.toString('utf8').trim()}`);
    return r.stdout;
  }

  spawn(argv: readonly string[]): Promise<RemoteProcess> {
    return this.inner.spawn(this.wrap(argv));
  }

  forward(host: string, port: number): Promise<Duplex> {
    return this.inner.forward(host, port);
  }

  forwardUnix(socketPath: string): Promise<Duplex> {
    return this.inner.forwardUnix(socketPath);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
