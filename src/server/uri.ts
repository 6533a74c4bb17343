// file: URIs ↔ local paths for the language server (normalized so both sides of a lookup agree).
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The local path of a file: URI, or undefined for other schemes. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.normalize(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

/** The file: URI of a local path. */
export function pathToUri(p: string): string {
  return pathToFileURL(p).href;
}
