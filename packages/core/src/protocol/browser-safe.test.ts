import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `@resumable-sse/core/protocol` is loaded by browsers (the client package). These checks follow every
// relative import from the protocol sources, so a Node-only dependency reached indirectly fails too.

const protocolDir = dirname(fileURLToPath(import.meta.url));
const IMPORT_SPECIFIER =
  /\b(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g;
const NODE_GLOBALS = /\b(?:Buffer|process|require|__dirname|__filename|setImmediate)\b/;
const builtins = new Set(builtinModules);

function importSpecifiers(source: string): string[] {
  return Array.from(source.matchAll(IMPORT_SPECIFIER), (match) => match[1] ?? match[2] ?? '');
}

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** Problems in one file's source: Node-only or third-party imports, Node-only globals. */
function browserProblems(source: string): string[] {
  const problems: string[] = [];
  for (const specifier of importSpecifiers(source)) {
    if (specifier.startsWith('node:') || builtins.has(specifier)) problems.push(`imports ${specifier}`);
    else if (!specifier.startsWith('.')) problems.push(`imports the package ${specifier}`);
  }
  const global = NODE_GLOBALS.exec(withoutComments(source));
  if (global) problems.push(`uses the Node global ${global[0]}`);
  return problems;
}

/** Every non-test source file in the protocol folder plus every file they reach by relative import. */
function reachableSources(): Map<string, string> {
  const seen = new Map<string, string>();
  const pending = readdirSync(protocolDir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => join(protocolDir, name));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    seen.set(file, source);
    for (const specifier of importSpecifiers(source)) {
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
    }
  }
  return seen;
}

describe('protocol is browser-safe', () => {
  it('finds Node-only imports and globals (the check itself works)', () => {
    expect(browserProblems("import { createHmac } from 'node:crypto';")).toEqual(['imports node:crypto']);
    expect(browserProblems("import fs from 'fs';")).toEqual(['imports fs']);
    expect(browserProblems("export { x } from 'node:buffer';")).toEqual(['imports node:buffer']);
    expect(browserProblems("const m = await import('node:os');")).toEqual(['imports node:os']);
    expect(browserProblems("import 'node:tls';")).toEqual(['imports node:tls']);
    expect(browserProblems("import { x } from 'left-pad';")).toEqual(['imports the package left-pad']);
    expect(browserProblems('const b = Buffer.from("x");')).toEqual(['uses the Node global Buffer']);
    expect(browserProblems("import type { X } from './types.ts';\n// Buffer in a comment is fine")).toEqual(
      [],
    );
  });

  it('reaches the whole protocol surface and the shared error class', () => {
    const names = Array.from(reachableSources().keys(), (file) => relative(protocolDir, file));
    expect(names).toEqual(
      expect.arrayContaining([
        'index.ts',
        'encode-event.ts',
        'cursor-codec.ts',
        'control-events.ts',
        '../errors.ts',
      ]),
    );
  });

  it('has no Node-only import or global in any file the protocol entry reaches', () => {
    const problems = Array.from(reachableSources(), ([file, source]) =>
      browserProblems(source).map((problem) => `${file}: ${problem}`),
    ).flat();
    expect(problems).toEqual([]);
  });
});
