// The JSON that media/gdb/anole_goroutines.py's anole-dump writes: every goroutine with its stack, each distinct frame once.
import type { GoroutineStack } from '../backend';

/** anole-dump's JSON: frames as [function, file, line]; goroutines as [id, state, frame indexes, go statement's frame index or -1]. */
interface ScriptDump {
  frames: Array<[string, string, number]>;
  goroutines: Array<[number, string, number[], number]>;
}

/** The goroutines of anole-dump's JSON, by id; one with no frames shows "?" (as a listing-based read does). */
export function parseScriptDump(json: string): GoroutineStack[] {
  const d = JSON.parse(json) as ScriptDump;
  const frames = d.frames.map(([fn, file, line]) => ({ function: fn, file, line }));
  return d.goroutines
    .map(([id, state, stack, go]): GoroutineStack => ({
      id,
      state,
      frames: stack.length ? stack.map((i) => frames[i]) : [{ function: '?', file: '', line: 0 }],
      goStatement: go >= 0 ? frames[go] : undefined,
    }))
    .sort((a, b) => a.id - b.id);
}
