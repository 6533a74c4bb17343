// Reads a profile file from disk and decodes it, with file-system errors turned into user-facing ones.
import { readFile, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { AnoleError, errorMessage } from '../errors';
import { type DecodeOptions, decodeProfile } from './decode';
import { type Profile } from './profile';

/** Reads and decodes a pprof file; errors name the file. */
export async function loadProfile(path: string, options: Omit<DecodeOptions, 'source'> = {}): Promise<Profile> {
  return decodeProfile(await readProfileFile(path), { ...options, source: path });
}

// The callback API, promisified: node:fs/promises would cost `anole top` 1.5 ms more to load.
const read = promisify(readFile);

/** Reads a profile file's bytes; file-system errors become one clear AnoleError naming the file. */
export async function readProfileFile(path: string): Promise<Buffer> {
  try {
    return await read(path);
  } catch (e) {
    throw fileError(path, e);
  }
}

/**
 * {@link readProfileFile} for a process with nothing else to do meanwhile (the CLI): one blocking
 * read instead of four trips through the thread pool. Not for the extension host.
 */
export function readProfileFileSync(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw fileError(path, e);
  }
}

/** A file-system error reading profile `path`, as one clear AnoleError naming the file. */
function fileError(path: string, e: unknown): AnoleError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new AnoleError('NOT_FOUND', `no such profile file: ${path}`);
  if (code === 'EISDIR') return new AnoleError('BAD_INPUT', `${path} is a directory, not a profile file`);
  if (code === 'EACCES' || code === 'EPERM') return new AnoleError('BAD_INPUT', `cannot read ${path}: permission denied`);
  if (code === 'ERR_FS_FILE_TOO_LARGE') {
    return new AnoleError('BAD_PROFILE', `${path} is too large to load`, 'capture a shorter profile');
  }
  return new AnoleError('BAD_INPUT', `cannot read ${path}: ${errorMessage(e)}`);
}
