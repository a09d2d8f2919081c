// The UUID keys a file has carried so far, for exact duplicate detection across chunks.
//
// In memory: a KeySet of the 128-bit keys themselves, so an unchanged re-upload
// of 1M rows registers and looks up its keys in a fraction of a second instead of
// seconds of temp-table COPY and index probes. Past `maxInMemory` keys (a bound on
// memory: 2^21 slots = 32 MiB, 48 MiB while the table doubles into it) further keys spill
// to a session temp table, and lookups consult both: exact at any file size. (2^22 slots
// took the worker to 259 MB re-reading a 1 GiB file: 96 MiB while doubling.)
import type pg from 'pg';
import { copyInto } from '../../src/infra/pg-pool.js';
import { KeySet, MAX_LOAD } from './key-set.js';

const SPILL_TABLE = 'seen_keys_spill';
export const DEFAULT_MAX_IN_MEMORY_KEYS = Math.floor((1 << 21) * MAX_LOAD);

const keyText = (data: Buffer, at: number) => data.toString('latin1', at, at + 36);

export class SeenKeys {
  private readonly keys = new KeySet();
  private spilled = false;
  private pendingSpill: string[] = [];
  /** Keys of the current chunk found in the spill table (see `lookUpSpilled`), and spilled since. */
  private readonly spilledHits = new Set<string>();

  constructor(private readonly maxInMemory = DEFAULT_MAX_IN_MEMORY_KEYS) {}

  /** Keys held in memory (the rest spilled). */
  get inMemory(): number {
    return this.keys.size;
  }

  /** Before a chunk's `has` calls: fetches which of its keys sit in the spill table. */
  async lookUpSpilled(client: pg.ClientBase, keys: () => string[]): Promise<void> {
    this.spilledHits.clear();
    if (!this.spilled) return;
    const { rows } = await client.query<{ key: string }>(
      `SELECT key::text FROM ${SPILL_TABLE} WHERE key = ANY (string_to_array($1, ',')::uuid[])`,
      [keys().join(',')],
    );
    for (const row of rows) this.spilledHits.add(row.key);
  }

  /** `key` is a canonical lower-case UUID (as validated). */
  has(key: string): boolean {
    return this.keys.has(key) || this.spilledHits.has(key);
  }

  /** `has` for the key spelled by the 36 bytes at `data[at]`. */
  hasAt(data: Buffer, at: number): boolean {
    return this.keys.hasAt(data, at) || (this.spilledHits.size > 0 && this.spilledHits.has(keyText(data, at)));
  }

  /** Registers `key`; `flush` writes what spilled. */
  add(key: string): void {
    if (this.has(key)) return;
    if (this.keys.size >= this.maxInMemory) {
      this.pendingSpill.push(`${key}\n`);
      this.spilledHits.add(key);
    } else {
      this.keys.add(key);
    }
  }

  /** `add` for the key spelled by the 36 bytes at `data[at]`. */
  addAt(data: Buffer, at: number): void {
    if (this.keys.size >= this.maxInMemory) this.add(keyText(data, at));
    else if (!(this.spilledHits.size > 0 && this.spilledHits.has(keyText(data, at)))) this.keys.addAt(data, at);
  }

  /** Writes the keys that spilled since the last flush (inside the chunk's transaction). */
  async flush(client: pg.ClientBase): Promise<void> {
    if (!this.pendingSpill.length) return;
    if (!this.spilled) {
      await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${SPILL_TABLE} (key uuid PRIMARY KEY)`);
      this.spilled = true;
    }
    await copyInto(client, SPILL_TABLE, this.pendingSpill);
    this.pendingSpill = [];
  }

  async cleanup(client: pg.ClientBase): Promise<void> {
    await client.query(`DROP TABLE IF EXISTS pg_temp.${SPILL_TABLE}`);
    this.spilled = false;
  }
}
