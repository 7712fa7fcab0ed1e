/**
 * What an application without better-sqlite3 sees on a Node whose `node:sqlite` cannot serve the
 * store. The module shapes are the ones Node 22.12 gives: none without `--experimental-sqlite`,
 * and with it a `DatabaseSync` that lacks `location()` and `isTransaction`.
 */
import * as nodeSqlite from 'node:sqlite';
import { isResumableSseError } from '@resumable-sse/core';
import { describe, expect, it } from 'vitest';
import { requireNodeSqlite } from './node-sqlite.ts';

function refusal(module: typeof nodeSqlite | undefined): Error {
  try {
    requireNodeSqlite(() => module, 'v22.12.0');
  } catch (error) {
    if (isResumableSseError(error, 'STORE_UNAVAILABLE')) return error;
    throw error;
  }
  throw new Error('expected requireNodeSqlite to refuse');
}

describe('node:sqlite availability', () => {
  it('refuses a Node without node:sqlite with a typed error that says what to do', () => {
    const error = refusal(undefined);
    expect(error.message).toMatch(/Node v22\.12\.0 has no node:sqlite/);
    expect(error.message).toMatch(/npm i better-sqlite3/);
    expect(error.message).toMatch(/Node 22\.16\+ or 24\+/);
  });

  it('refuses an experimental node:sqlite without location() and isTransaction', () => {
    class DatabaseSync {}
    const error = refusal({ DatabaseSync } as unknown as typeof nodeSqlite);
    expect(error.message).toMatch(/without DatabaseSync location\(\) and isTransaction/);
    expect(error.message).toMatch(/npm i better-sqlite3/);
  });

  it("accepts this Node's node:sqlite", () => {
    expect(requireNodeSqlite()).toBe(process.getBuiltinModule('node:sqlite'));
    expect(requireNodeSqlite(() => nodeSqlite)).toBe(nodeSqlite);
  });
});
