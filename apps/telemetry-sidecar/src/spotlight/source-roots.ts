import { constants } from 'node:fs';
import { open, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Largest source file read for context lines. */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

/**
 * The folders whose files the sidecar may read (context lines) or open in an editor
 * (`SOURCE_ROOTS`). A path is inside only if, with every symlink resolved, the file really is
 * under a root: `..`, a symlink pointing out, or a swap of a folder for a symlink between the
 * check and the read are all refused.
 */
export interface SourceRoots {
  /** The real path of `file` when it is a regular file under a root, else undefined. */
  resolve(file: string): Promise<string | undefined>;
  /** The file's text when it is under a root and at most `MAX_SOURCE_BYTES`, else undefined. */
  read(file: string): Promise<string | undefined>;
}

export async function sourceRoots(paths: readonly string[]): Promise<SourceRoots> {
  const roots = (
    await Promise.all(paths.map((path) => realpath(resolve(path)).catch(() => undefined)))
  ).filter((root): root is string => root !== undefined);
  const isUnder = (path: string) =>
    roots.some((root) => {
      const rel = relative(root, path);
      return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
    });

  const candidate = (file: string): string | undefined => {
    let path = file;
    if (file.startsWith('file://')) {
      try {
        path = fileURLToPath(file);
      } catch {
        return undefined;
      }
    }
    // Only absolute local paths: a URL (http://…) or a relative name says nothing about where it is.
    return isAbsolute(path) && !path.includes('\0') ? path : undefined;
  };

  const resolveFile = async (file: string) => {
    const path = candidate(file);
    if (path === undefined) return undefined;
    const real = await realpath(path).catch(() => undefined);
    return real !== undefined && isUnder(real) ? real : undefined;
  };

  return {
    resolve: resolveFile,
    async read(file) {
      const real = await resolveFile(file);
      if (real === undefined) return undefined;
      const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
      if (handle === undefined) return undefined;
      try {
        // What was opened, not what the name meant a moment ago (Linux tells through /proc).
        const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => real);
        const stats = await handle.stat();
        if (!isUnder(opened) || !stats.isFile() || stats.size > MAX_SOURCE_BYTES) return undefined;
        return await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    },
  };
}
