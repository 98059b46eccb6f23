import { describe, expect, it } from 'vitest';
import type { Account } from '../model.js';
import type { LibraryFile } from './library.js';
import type { AccountSelection } from './selection.js';
import { syncView } from './sync.js';

const account = (id: string) => ({ id }) as Account;
const files = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ file: { name: `${prefix}${i}` } as LibraryFile, runs: [[0, 1]] as [number, number][], objectCount: 1 }));

const timing = { start: 1_000_000, pendingMs: 2_000, runningMs: 20_000 };
const selections: AccountSelection[] = [
  { account: account('a'), files: files('a', 3) },
  { account: account('b'), files: files('b', 4), error: { code: 'E', statusCode: 500 } },
];

describe('sync progress', () => {
  it('is pending, without details or files, until the pending time is over', () => {
    expect(syncView(selections, timing, timing.start)).toEqual({ state: 'pending', files: [] });
    expect(syncView(selections, timing, timing.start + 1_999).state).toBe('pending');
  });

  it('syncs files evenly over the run, each account in name order', () => {
    const at = (ms: number) => syncView(selections, timing, timing.start + 2_000 + ms);
    expect(at(0)).toMatchObject({ state: 'running', details: { a: { state: 'running' }, b: { state: 'running' } }, files: [] });
    // a: files at 5 s, 10 s, 15 s of the run; b (4 files, fails after 2): 4 s, 8 s.
    expect(at(4_000).files.map((f) => f.entry.file.name)).toEqual(['b0']);
    expect(at(10_000).files.map((f) => [f.entry.file.name, f.updatedDate - timing.start - 2_000])).toEqual([
      ['a0', 5_000],
      ['a1', 10_000],
      ['b0', 4_000],
      ['b1', 8_000],
    ]);
  });

  it('ends partial when an account fails, with what it synced before', () => {
    const end = syncView(selections, timing, timing.start + 22_000);
    expect(end.state).toBe('partial');
    expect(end.details).toEqual({ a: { state: 'completed' }, b: { state: 'partial', error: { code: 'E', statusCode: 500 } } });
    expect(end.files.map((f) => f.entry.file.name)).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
  });

  it('completes at once when there is nothing to wait for', () => {
    const v = syncView([selections[0]!], { start: 0, pendingMs: 0, runningMs: 0 }, 0);
    expect(v.state).toBe('completed');
    expect(v.files).toHaveLength(3);
    expect(syncView([], timing, timing.start + 22_000)).toEqual({ state: 'completed', details: {}, files: [] });
  });
});
