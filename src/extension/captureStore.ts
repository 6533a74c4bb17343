// Keeps captured profiles under the extension's global storage, each with a JSON metadata sidecar.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What Anole remembers about one capture. */
export interface CaptureMeta {
  id: string;
  /** ISO time the capture finished. */
  time: string;
  kind: string;
  /** ssh destination as the user gave it. */
  host: string;
  pid?: number;
  /** The pprof endpoint it came from. */
  url: string;
  /** Bytes of the profile file. */
  size: number;
  /** Absolute path of the profile file (for a core dump: the core). */
  file: string;
  seconds?: number;
  /** A core dump's executable (kind `core`). */
  executable?: string;
  /** How long the process was paused for this capture, in ms (upper bound). */
  pauseMs?: number;
  /** What wrote it (a core dump: `gcore` or `dlv`). */
  tool?: string;
  /** Where a merged profile came from, e.g. `fleet: 8 replicas`; shown instead of the host. */
  source?: string;
  /** A fleet's replicas with their share of the total and whether each is an outlier. */
  replicas?: { name: string; share: number; ratio: number | null; outlier: boolean }[];
  /** A profile read from a continuous-profiling server: which kind of server, type, selector and range. */
  backend?: { kind: 'parca' | 'pyroscope'; profileType: string; selector: string; fromMs: number; toMs: number; description: string };
}

/** The kind of a core dump capture. */
export const CORE_KIND = 'core';

/**
 * A folder of captures: `<id>.pb.gz` (a core dump: `<id>.core` and `<id>.exe`) plus `<id>.json`.
 * No vscode here, so it is unit-testable.
 */
export class CaptureStore {
  private readonly listeners = new Set<() => void>();

  constructor(readonly dir: string) {}

  /**
   * A fresh id and the file to capture into, reserved by creating it empty (the folder is created
   * too). Call delete(id) if the capture fails.
   */
  allocate(kind: string, now = new Date(), ext = '.pb.gz'): { id: string; file: string } {
    fs.mkdirSync(this.dir, { recursive: true });
    const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    for (let n = 1; ; n++) {
      const id = n === 1 ? `${stamp}-${kind}` : `${stamp}-${kind}-${n}`;
      const file = path.join(this.dir, `${id}${ext}`);
      try {
        fs.closeSync(fs.openSync(file, 'wx'));
        return { id, file };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  /**
   * Stores a profile already in memory (a merged fleet profile, one from a profiling server): a
   * fresh file holding `bytes` and its metadata, with the id, time, size and file filled in.
   */
  add(kind: string, bytes: Uint8Array, meta: Omit<CaptureMeta, 'id' | 'time' | 'kind' | 'size' | 'file'>): CaptureMeta {
    const { id, file } = this.allocate(kind);
    try {
      fs.writeFileSync(file, bytes);
    } catch (e) {
      this.delete(id);
      throw e;
    }
    const m: CaptureMeta = { id, time: new Date().toISOString(), kind, ...meta, size: bytes.length, file };
    this.save(m);
    return m;
  }

  /** Records the metadata of a finished capture. */
  save(meta: CaptureMeta): void {
    fs.writeFileSync(path.join(this.dir, `${meta.id}.json`), JSON.stringify(meta, null, 2));
    this.fire();
  }

  /** Captures newest first; sidecars whose profile is gone are skipped. */
  list(): CaptureMeta[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: CaptureMeta[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      try {
        const meta = JSON.parse(fs.readFileSync(path.join(this.dir, n), 'utf8')) as CaptureMeta;
        if (typeof meta.id === 'string' && fs.existsSync(meta.file)) out.push(meta);
      } catch {
        /* a broken sidecar is not a capture */
      }
    }
    return out.sort((a, b) => b.time.localeCompare(a.time));
  }

  get(id: string): CaptureMeta | undefined {
    return this.list().find((m) => m.id === id);
  }

  /** Removes a capture's files (profile, or core and executable) and metadata. */
  delete(id: string): void {
    const meta = this.get(id);
    for (const f of [meta?.file, meta?.executable]) {
      if (f && path.dirname(f) === this.dir) fs.rmSync(f, { force: true });
    }
    for (const ext of ['.pb.gz', '.trace']) fs.rmSync(path.join(this.dir, `${id}${ext}`), { force: true });
    fs.rmSync(path.join(this.dir, `${id}.json`), { force: true });
    this.fire();
  }

  /** Called after every change (save, delete). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private fire(): void {
    for (const l of this.listeners) l();
  }
}
