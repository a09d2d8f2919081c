// Results of dashboard questions keyed by (data version, question, filter digest).
// Aggregates only change with data_version.version (every refresh and user merge bumps
// it), so an entry can never be stale; old versions simply age out of the LRU. In-flight
// promises are cached too: concurrent identical requests share one computation.
//
// The cache is bounded by bytes, not entries: a result's size depends on the question
// (a daily trend over years is far larger than a KPI row), so a count bounds nothing.
// One per API process, created by createServices (DASHBOARD_CACHE_MAX_BYTES; 0 = off).

/** Map slot, entry record and promise: what an entry costs before its key and value. */
const ENTRY_OVERHEAD_BYTES = 256;

interface Entry {
  promise: Promise<unknown>;
  bytes: number;
}

/**
 * An estimate of what a result holds in memory: its JSON text at two bytes a character
 * (strings are UTF-16 at worst; numbers and object headers come out in the same range).
 */
export function estimateBytes(value: unknown): number {
  return 2 * (JSON.stringify(value)?.length ?? 0);
}

export class DashboardCache {
  private readonly entries = new Map<string, Entry>();
  private accounted = 0;

  constructor(readonly maxBytes: number) {}

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Bytes accounted to the entries held now (never above maxBytes once results settle). */
  get bytes(): number {
    return this.accounted;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached promise for `key`, or computes, stores and returns it (failures are not kept). */
  getOrCompute<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.promise as Promise<T>;
    }
    const promise = compute();
    const entry: Entry = { promise, bytes: ENTRY_OVERHEAD_BYTES + 2 * key.length };
    this.entries.set(key, entry);
    this.accounted += entry.bytes;
    promise.then(
      (value) => {
        if (this.entries.get(key) !== entry) return;
        const bytes = entry.bytes + estimateBytes(value);
        this.accounted += bytes - entry.bytes;
        entry.bytes = bytes;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.remove(key, entry);
      },
    );
    this.evict();
    return promise;
  }

  clear(): void {
    this.entries.clear();
    this.accounted = 0;
  }

  /** Drops least recently used entries until the total fits (a result larger than the cap is not kept). */
  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.accounted <= this.maxBytes) return;
      this.remove(key, entry);
    }
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.accounted -= entry.bytes;
  }
}
