// Flattens locations into frames and numbers the nodes analyses group by (function, line, file:line).
import { type Profile } from './profile';

/** A function node: frames grouped by function name (go tool pprof's default granularity). */
export interface FunctionNode {
  name: string;
  /** Source file of the first function seen with this name ('' when unknown). */
  file: string;
  startLine: number;
}

/** A line node: frames grouped by function, file and line (go tool pprof -lines). */
export interface LineNode {
  name: string;
  file: string;
  line: number;
  /** Index into `FrameIndex.functions`. */
  func: number;
}

/** A source position: frames grouped by file and line only (for editor annotations). */
export interface FileLineNode {
  file: string;
  line: number;
}

/**
 * Every location's frames, innermost first, as parallel typed arrays: the frames of location `l`
 * are `locFrameStart[l] .. locFrameStart[l + 1]`. A location without lines gets one frame named
 * after its binary (`[file]`) or `<unknown>`, as go tool pprof names it.
 */
export interface FrameIndex {
  locFrameStart: Uint32Array;
  frameFunc: Int32Array;
  frameLine: Int32Array;
  frameFileLine: Int32Array;
  functions: FunctionNode[];
  lines: LineNode[];
  fileLines: FileLineNode[];
}

const cache = new WeakMap<Profile, FrameIndex>();

function unsymbolizedName(profile: Profile, mappingId: number): string {
  const m = mappingId ? profile.mappings.find((x) => x.id === mappingId) : undefined;
  if (m?.filename) return `[${m.filename.split('/').pop()}]`;
  return '<unknown>';
}

/** The frame index of a profile, built once and cached. */
export function frameIndex(profile: Profile): FrameIndex {
  const hit = cache.get(profile);
  if (hit) return hit;
  const locs = profile.locations;
  let nFrames = 0;
  for (const l of locs) nFrames += Math.max(1, l.lines.length);
  const fi: FrameIndex = {
    locFrameStart: new Uint32Array(locs.length + 1),
    frameFunc: new Int32Array(nFrames),
    frameLine: new Int32Array(nFrames),
    frameFileLine: new Int32Array(nFrames),
    functions: [],
    lines: [],
    fileLines: [],
  };
  const funcByName = new Map<string, number>();
  const lineByKey = new Map<string, number>();
  const fileLineByKey = new Map<string, number>();
  const funcNode = (name: string, file: string, startLine: number): number => {
    let n = funcByName.get(name);
    if (n === undefined) {
      n = fi.functions.length;
      fi.functions.push({ name, file, startLine });
      funcByName.set(name, n);
    }
    return n;
  };
  const lineNode = (func: number, file: string, line: number): number => {
    const name = fi.functions[func].name;
    const key = `${name}\0${file}\0${line}`;
    let n = lineByKey.get(key);
    if (n === undefined) {
      n = fi.lines.length;
      fi.lines.push({ name, file, line, func });
      lineByKey.set(key, n);
    }
    return n;
  };
  const fileLineNode = (file: string, line: number): number => {
    const key = `${file}\0${line}`;
    let n = fileLineByKey.get(key);
    if (n === undefined) {
      n = fi.fileLines.length;
      fi.fileLines.push({ file, line });
      fileLineByKey.set(key, n);
    }
    return n;
  };
  // Node numbers per profile function, so repeated lines do not rebuild keys.
  const funcOfFunction = profile.functions.map((f) => funcNode(f.name || '<unknown>', f.filename, f.startLine));
  let f = 0;
  locs.forEach((loc, li) => {
    fi.locFrameStart[li] = f;
    if (loc.lines.length === 0) {
      const fn = funcNode(unsymbolizedName(profile, loc.mappingId), '', 0);
      fi.frameFunc[f] = fn;
      fi.frameLine[f] = lineNode(fn, '', 0);
      fi.frameFileLine[f] = fileLineNode('', 0);
      f++;
      return;
    }
    for (const line of loc.lines) {
      const fn = funcOfFunction[line.function];
      const file = profile.functions[line.function].filename;
      fi.frameFunc[f] = fn;
      fi.frameLine[f] = lineNode(fn, file, line.line);
      fi.frameFileLine[f] = fileLineNode(file, line.line);
      f++;
    }
  });
  fi.locFrameStart[locs.length] = f;
  cache.set(profile, fi);
  return fi;
}
