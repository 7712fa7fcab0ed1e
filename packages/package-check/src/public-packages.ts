import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PublicPackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
}

/** Every workspace package under packages/ that is not private: what `pnpm publish -r` would publish. */
export function publicPackages(root: string): PublicPackage[] {
  const packagesDir = join(root, 'packages');
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const dir = join(packagesDir, entry.name);
      let manifest: { name: string; version: string; private?: boolean };
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        return [];
      }
      return manifest.private ? [] : [{ name: manifest.name, version: manifest.version, dir }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
