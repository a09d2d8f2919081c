// The default dashboard (no filter) as of each data version, shared through Redis by every
// API process and written by the worker before it reports a job COMPLETED. It is what an
// analyst opens right after an upload, so that request reads precomputed figures instead
// of paying for the whole dashboard (≈ 250 ms at 10M rows) while everyone else waits.
//
// Only the default view is shared: one small entry per field and version, so what Redis
// holds is bounded however many filters clients send (filtered results stay in each
// process's own LRU). Entries are keyed by data_version and can never be stale; they
// expire after a day. Redis trouble costs a recomputation, never a failed request.
import type { Redis } from 'ioredis';
import type { Logger } from '../infra/logger.js';

/** How long a version's entries live (a newer version makes them unused long before). */
const ENTRY_TTL_SECONDS = 24 * 3600;
/** A figure larger than this (a daily trend over many years) is not shared. */
const MAX_ENTRY_BYTES = 512 * 1024;

export class SharedDefaultView {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {}

  private key(version: string, name: string): string {
    return `${this.prefix}:dashboard:default:${version}:${name}`;
  }

  /** The shared figure, or what `compute` returns (then shared for the other processes). */
  async getOrCompute<T>(version: string, name: string, compute: () => Promise<T>): Promise<T> {
    const key = this.key(version, name);
    try {
      const text = await this.redis.get(key);
      if (text !== null) return JSON.parse(text) as T;
    } catch (error) {
      this.log.warn({ err: error, key }, 'shared dashboard read failed: computing');
    }
    const value = await compute();
    const text = JSON.stringify(value);
    if (text.length <= MAX_ENTRY_BYTES) {
      await this.redis.set(key, text, 'EX', ENTRY_TTL_SECONDS).catch((error: unknown) => {
        this.log.warn({ err: error, key }, 'shared dashboard write failed');
      });
    }
    return value;
  }
}
