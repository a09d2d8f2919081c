import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SeenKeys } from '../../worker/pipeline/seen-keys.js';

describe('SeenKeys in memory', () => {
  it('holds exactly the keys added, across growth', () => {
    const seen = new SeenKeys();
    const added = Array.from({ length: 50_000 }, () => randomUUID());
    const others = Array.from({ length: 50_000 }, () => randomUUID());
    for (const key of added) seen.add(key);
    expect(seen.inMemory).toBe(added.length);
    expect(added.every((key) => seen.has(key))).toBe(true);
    expect(others.some((key) => seen.has(key))).toBe(false);
  });

  it('tells apart keys that differ in one hex digit anywhere, including the nil and max UUIDs', () => {
    const seen = new SeenKeys();
    const nil = '00000000-0000-0000-0000-000000000000';
    const max = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
    expect(seen.has(nil)).toBe(false);
    seen.add(nil);
    seen.add(max);
    seen.add(nil);
    expect(seen.inMemory).toBe(2);
    for (let at = 0; at < 36; at++) {
      if (nil[at] === '-') continue;
      expect(seen.has(`${nil.slice(0, at)}a${nil.slice(at + 1)}`)).toBe(false);
      expect(seen.has(`${max.slice(0, at)}9${max.slice(at + 1)}`)).toBe(false);
    }
    expect(seen.has(nil) && seen.has(max)).toBe(true);
  });

  it('keeps keys past its bound for the spill table, and still reports them within the chunk', () => {
    const seen = new SeenKeys(3);
    const keys = Array.from({ length: 5 }, () => randomUUID());
    for (const key of keys) seen.add(key);
    expect(seen.inMemory).toBe(3);
    expect(keys.every((key) => seen.has(key))).toBe(true);
  });
});
