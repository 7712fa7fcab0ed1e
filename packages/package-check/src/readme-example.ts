import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every ```ts block of a package's README, in order. */
export function examples(packageDir: string): string[] {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

/** The first ```ts block of a package's README: the example a new user copies first. */
export function firstExample(packageDir: string): string {
  const [first] = examples(packageDir);
  if (first === undefined) throw new Error(`${packageDir}/README.md has no \`\`\`ts example`);
  return first;
}
