// Loads an OpenSSH client config file with the `ssh-config` parser and inlines its Include directives.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { glob, SSHConfig, type Line, type Section } from 'ssh-config';
import { AnoleError, errorMessage } from '../errors';
import { expandTilde } from './expand';

const MAX_INCLUDE_DEPTH = 16;

/** The values of a parsed directive as a list of strings. */
export function directiveValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v: string | { val: string }) => (typeof v === 'string' ? v : v.val));
  return typeof value === 'string' ? [value] : [];
}

function toConfig(lines: Line[]): SSHConfig {
  const config = new SSHConfig();
  config.push(...lines);
  return config;
}

function isInclude(line: Line): boolean {
  return line.type === SSHConfig.DIRECTIVE && /^include$/i.test(line.param);
}

function isSection(line: Line): boolean {
  return line.type === SSHConfig.DIRECTIVE && 'config' in line;
}

function globToRegExp(segment: string): RegExp {
  const body = segment.replace(/[\\^$.+()[\]{}|]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** Expands `*` and `?` in any path segment; results sorted like glob(3). Missing paths give nothing. */
async function globPaths(pattern: string): Promise<string[]> {
  if (!/[*?]/.test(pattern)) {
    return (await fs.stat(pattern).then(() => true, () => false)) ? [pattern] : [];
  }
  const parts = pattern.split('/');
  let bases = [parts[0] === '' ? '/' : parts[0]];
  for (const part of parts.slice(1)) {
    if (!part) continue;
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?]/.test(part)) {
        next.push(path.join(base, part));
        continue;
      }
      const re = globToRegExp(part);
      const names = await fs.readdir(base).catch(() => [] as string[]);
      for (const name of names.sort()) {
        if (re.test(name) && (part.startsWith('.') || !name.startsWith('.'))) next.push(path.join(base, name));
      }
    }
    bases = next;
  }
  const found: string[] = [];
  for (const p of bases) {
    const st = await fs.stat(p).catch(() => undefined);
    if (st?.isFile()) found.push(p);
  }
  return found;
}

async function readConfigText(file: string, explicit: boolean): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return undefined;
    if (code === 'ENOENT') {
      throw new AnoleError('SSH_CONFIG', `ssh config file not found: ${file}`, 'check the path of the ssh config file setting');
    }
    throw new AnoleError('SSH_CONFIG', `cannot read ssh config file ${file}: ${errorMessage(e)}`);
  }
}

async function inlineIncludes(lines: Line[], home: string, inSection: boolean, depth: number, from: string): Promise<Line[]> {
  const out: Line[] = [];
  for (const line of lines) {
    if (isSection(line) && 'config' in line) {
      line.config = toConfig(await inlineIncludes([...line.config], home, true, depth, from));
      out.push(line);
      continue;
    }
    if (!isInclude(line) || line.type !== SSHConfig.DIRECTIVE) {
      out.push(line);
      continue;
    }
    if (depth >= MAX_INCLUDE_DEPTH) {
      throw new AnoleError('SSH_CONFIG', `ssh config: Include nested more than ${MAX_INCLUDE_DEPTH} deep (in ${from})`, 'look for a file that includes itself');
    }
    for (const raw of directiveValues(line.value)) {
      let pattern = expandTilde(raw, home, `Include ${JSON.stringify(raw)}`);
      if (!path.isAbsolute(pattern)) pattern = path.join(home, '.ssh', pattern);
      for (const file of await globPaths(pattern)) {
        const text = (await readConfigText(file, true)) ?? '';
        // Inside a Host/Match block the included lines (Host blocks too) stay nested; see configForHost.
        out.push(...(await inlineIncludes([...SSHConfig.parse(text)], home, inSection, depth + 1, file)));
      }
    }
  }
  return out;
}

/**
 * Reads and parses an ssh config file, inlining `Include` (globs, `~`, paths relative to
 * ~/.ssh as in OpenSSH). Pass the result through configForHost before computing a host. A missing file is an empty config unless `explicit` is set, then it
 * is an SSH_CONFIG error. `Match exec` blocks are never evaluated (see resolveDestination).
 */
export async function loadSshConfig(file: string, explicit: boolean, home: string): Promise<SSHConfig> {
  const text = await readConfigText(file, explicit);
  if (text === undefined) return new SSHConfig();
  const lines = await inlineIncludes([...SSHConfig.parse(text)], home, false, 0, file);
  return toConfig(lines);
}

function section(patterns: string, lines: Line[]): Section {
  return { type: SSHConfig.DIRECTIVE, param: 'Host', separator: ' ', value: patterns, before: '', after: '\n', config: toConfig(lines) };
}

/**
 * The config as seen for `host`. A Host block that pulled in Host blocks through Include is
 * resolved here as OpenSSH does: when the block matches `host`, its own lines and the included
 * blocks apply in place; otherwise none of it does. (The same inside a Match block is refused.)
 */
export function configForHost(config: SSHConfig, host: string): SSHConfig {
  const out: Line[] = [];
  for (const line of config) {
    if (!isSection(line) || !('config' in line) || !line.config.some(isSection)) {
      out.push(line);
      continue;
    }
    if (!/^host$/i.test(line.param)) {
      throw new AnoleError('SSH_CONFIG', 'ssh config: an Include inside a Match block brings in Host/Match blocks',
        'Anole does not support this nesting; include the file at the top level instead');
    }
    if (!glob(directiveValues(line.value), host)) continue;
    let pending: Line[] = [];
    for (const sub of line.config) {
      if (isSection(sub)) {
        if (pending.length) out.push(section('*', pending));
        pending = [];
        out.push(sub);
      } else {
        pending.push(sub);
      }
    }
    if (pending.length) out.push(section('*', pending));
  }
  return toConfig(out);
}
