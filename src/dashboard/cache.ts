// Results of dashboard questions keyed by (data version, question, filter). Aggregates
// only change with data_version.version (every refresh and user merge bumps it), so an
// entry can never be stale; old versions simply age out of the LRU. In-flight promises
// are cached too: concurrent identical requests share one computation.
import type pg from 'pg';
import { loadDistinctIndex, type DistinctIndex } from './distinct-index.js';
import type { Queryable } from './queries.js';

export const DEFAULT_CACHE_ENTRIES = 1000;

export class DashboardCache {
  private readonly entries = new Map<string, Promise<unknown>>();

  constructor(readonly maxEntries: number) {}

  get enabled(): boolean {
    return this.maxEntries > 0;
  }

  /** The cached promise for `key`, or computes, stores and returns it (failures are not kept). */
  getOrCompute<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit as Promise<T>;
    }
    const promise = compute();
    this.entries.set(key, promise);
    promise.catch(() => {
      if (this.entries.get(key) === promise) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return promise;
  }

  clear(): void {
    this.entries.clear();
  }
}

// One cache per pool (per database): test files and processes never share entries.
const caches = new WeakMap<Queryable, DashboardCache>();

export function dashboardCacheFor(db: Queryable): DashboardCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = new DashboardCache(DEFAULT_CACHE_ENTRIES);
    caches.set(db, cache);
  }
  return cache;
}

/** Replaces the cache of a pool; maxEntries 0 turns caching off (benchmarks of the raw queries). */
export function configureDashboardCache(db: Queryable, options: { maxEntries: number }): void {
  caches.set(db, new DashboardCache(options.maxEntries));
}

// The in-memory distinct-count index, per pool: reloaded when the data version moves past it.
const indexes = new WeakMap<Queryable, { version: bigint; index: Promise<DistinctIndex> }>();

/** The distinct index for `version` or newer; concurrent callers share one load. */
export function distinctIndexFor(pool: pg.Pool, version: string): Promise<DistinctIndex> {
  const wanted = BigInt(version);
  const current = indexes.get(pool);
  if (current && current.version >= wanted) return current.index;
  const index = loadDistinctIndex(pool);
  const entry = { version: wanted, index };
  indexes.set(pool, entry);
  index.then(
    (loaded) => {
      // The snapshot may be newer than asked for: remember what was really read.
      if (indexes.get(pool) === entry) entry.version = BigInt(loaded.version);
    },
    () => {
      if (indexes.get(pool) === entry) indexes.delete(pool);
    },
  );
  return index;
}
