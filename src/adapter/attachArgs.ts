// The attach configuration of Anole's debug adapter (mirrored by package.json's debuggers[].configurationAttributes).
import type { DebugProtocol } from '@vscode/debugprotocol';
import { PathMapper, scanWorkspace } from '../core/pathmap';

/** Maps a path prefix on this machine (`from`) to the one recorded in the remote binary (`to`), as vscode-go does. */
export interface SubstitutePath {
  from: string;
  to: string;
}

/** Arguments of an `anole` attach request. */
export interface AnoleAttachArguments extends DebugProtocol.AttachRequestArguments {
  /** SSH destination: a Host alias or [user@]host[:port]. Optional with coreFilePath (then this machine). */
  host?: string;
  /** ssh config file to read instead of ~/.ssh/config. */
  sshConfigFile?: string;
  /** PID of the Go process on the host. */
  processId?: number | string;
  /** Executable name of the Go process (used when processId is absent; must match exactly one process). */
  processName?: string;
  /** Debugger on the host; `auto` prefers dlv. Default `auto`. */
  backend?: 'dlv' | 'gdb' | 'auto';
  /** Source path mappings between this machine and the binary's recorded paths. */
  substitutePath?: SubstitutePath[];
  /** Workspace folder whose go.mod files and Go sources map the binary's paths when substitutePath is absent. */
  cwd?: string;
  /** Log DAP and debugger traffic. */
  trace?: boolean;
  /** A core dump to open instead of attaching to a process (on `host`, else on this machine); needs `program`. */
  coreFilePath?: string;
  /** The executable that wrote the core dump. */
  program?: string;
  /**
   * Let expressions call functions inside the debugged process (gdb's may-call-functions, dlv's
   * `call`). Off by default: evaluating must never run code in a production service.
   */
  allowFunctionCalls?: boolean;
}

/** The keys of {@link AnoleAttachArguments}, for the manifest test. */
export const ATTACH_ARGUMENT_KEYS = ['host', 'sshConfigFile', 'processId', 'processName', 'backend', 'substitutePath', 'cwd', 'trace', 'coreFilePath', 'program', 'allowFunctionCalls'] as const;

/** Remote path → local path, by the first matching mapping. */
export function toLocalPath(remote: string, map: readonly SubstitutePath[] = []): string {
  for (const m of map) if (m.to && remote.startsWith(m.to)) return m.from + remote.slice(m.to.length);
  return remote;
}

/**
 * How stack frames' recorded paths become local paths: `substitutePath` when given; otherwise,
 * with a `cwd`, automatically from its go.mod modules and Go files (remote build dirs, -trimpath
 * module paths, GOPATH layouts; see PathMapper), scanned on first use. A path nothing maps stays
 * as recorded (the standard library, dependencies).
 */
export function sourceResolver(args: Pick<AnoleAttachArguments, 'substitutePath' | 'cwd'>): (remote: string) => string {
  if (args.substitutePath?.length) {
    const map = args.substitutePath;
    return (remote) => toLocalPath(remote, map);
  }
  if (!args.cwd) return (remote) => remote;
  const folders = [args.cwd];
  let mapper: PathMapper | undefined;
  return (remote) => {
    if (!mapper) {
      const scan = scanWorkspace(folders);
      mapper = new PathMapper({ folders, goFiles: scan.goFiles, modules: scan.modules });
    }
    return mapper.map(remote) ?? remote;
  };
}
