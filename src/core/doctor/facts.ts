// What the checks judge: the script's raw evidence, the process's environment, and its binary's facts; plus small shared helpers.
import type { RawEvidence } from './script';
import { msg, type Text } from './msg';
import type { DraftEvidence } from './types';

/** What the doctor read from the executable (ELF and Go build info). */
export interface BinaryFacts {
  /** e.g. "go1.26.8"; undefined when the build info could not be read. */
  goVersion?: string;
  /** Build settings: "-ldflags", "-trimpath", "-tags", "CGO_ENABLED", "DefaultGODEBUG", ... */
  settings: Record<string, string>;
  /** Module paths of the dependencies. */
  deps: string[];
  hasDwarf: boolean;
  /** A .symtab section (absent after strip or -ldflags=-s). */
  hasSymtab: boolean;
  /** PT_INTERP: the dynamic loader; undefined for a static binary. */
  interp?: string;
  /** GLIBC_x.y version names the binary needs (from .dynstr). */
  glibcNeeds: string[];
}

/** Everything one doctor run knows. */
export interface DoctorInput {
  ev: RawEvidence;
  /** The process looked at, or undefined for the host only. */
  pid?: number;
  /** The process's environment; null when /proc/PID/environ was not readable. */
  env?: Map<string, string> | null;
  /** The executable's facts; null when it could not be read. */
  binary?: BinaryFacts | null;
  /** GOMAXPROCS read from the live process (runtime.gomaxprocs in /proc/PID/mem), or why not. */
  gomaxprocs?: { value?: number; source: Text; note: Text };
  /** The throttling window the script waited, in seconds (0: not measured). */
  windowSec: number;
}

/** NUL-separated KEY=VALUE bytes → map (the first of a repeated key wins, as getenv does in Go). */
export function parseEnviron(raw: Buffer): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of raw.toString('utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0 && !env.has(entry.slice(0, eq))) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

/** [major, minor, patch] of "go1.26.8" ("devel" counts as newest); undefined for garbage. */
export function goVersionOf(v: string | undefined): [number, number, number] | undefined {
  if (!v) return undefined;
  if (v.startsWith('devel')) return [1, 999, 0];
  const m = /^go(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

/** True if `v` is Go major.minor or newer. */
export function goAtLeast(v: string | undefined, minor: number): boolean {
  const g = goVersionOf(v);
  return !!g && (g[0] > 1 || (g[0] === 1 && g[1] >= minor));
}

/** Parses "a=1,b=0" (GODEBUG syntax; later settings win). */
export function parseGodebug(s: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (s ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** The effective GODEBUG: the binary's DefaultGODEBUG, overridden by GODEBUG in the environment. */
export function effectiveGodebug(input: DoctorInput): Map<string, { value: string; from: 'environ' | 'DefaultGODEBUG' }> {
  const out = new Map<string, { value: string; from: 'environ' | 'DefaultGODEBUG' }>();
  for (const [k, v] of parseGodebug(input.binary?.settings.DefaultGODEBUG)) out.set(k, { value: v, from: 'DefaultGODEBUG' });
  for (const [k, v] of parseGodebug(input.env?.get('GODEBUG'))) out.set(k, { value: v, from: 'environ' });
  return out;
}

/** A line of /proc/PID/status or limits, e.g. field(status, 'Cpus_allowed_list'). */
export function statusField(text: string | undefined, name: string): string | undefined {
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text ?? '');
  return m?.[1].trim();
}

/** Evidence for an environment variable (or why it is unknown). */
export function envEvidence(input: DoctorInput, name: string): DraftEvidence {
  const source = `/proc/${input.pid}/environ`;
  if (input.env === null) return { source, value: msg('unreadable (needs root or the process\'s uid)') };
  const v = input.env?.get(name);
  return { source, value: v === undefined ? msg('{0} not set', name) : `${name}=${v}` };
}

/** Bytes as MiB/GiB text. */
export function humanBytes(n: number): string {
  if (n >= 2 ** 30 && n % 2 ** 30 === 0) return `${n / 2 ** 30}GiB`;
  if (n >= 2 ** 20) return `${Math.round((n / 2 ** 20) * 10) / 10}MiB`;
  return `${n}B`;
}

/** Parses GOMEMLIMIT (Go's syntax: a number with an optional B, KiB, MiB, GiB or TiB suffix; "off"). */
export function parseGomemlimit(s: string | undefined): number | 'off' | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === 'off') return 'off';
  const m = /^(\d+)(B|KiB|MiB|GiB|TiB)?$/.exec(t);
  if (!m) return undefined;
  const mult: Record<string, number> = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };
  return Number(m[1]) * mult[m[2] ?? 'B'];
}
