// The UUID keys a file has carried so far, for exact duplicate detection across chunks.
//
// In memory: an open-addressing hash set of the 128-bit keys themselves (16 bytes a slot,
// no strings, no per-key objects), so an unchanged re-upload of 1M rows registers and
// looks up its keys in tens of milliseconds instead of seconds of temp-table COPY and
// index probes. Past `maxInMemory` keys (a bound on memory: 2^22 slots = 64 MiB) further
// keys spill to a session temp table, and lookups consult both: exact at any file size.
import type pg from 'pg';
import { copyInto } from './file-stage.js';

const SPILL_TABLE = 'seen_keys_spill';
const WORDS = 4;
const MAX_LOAD = 0.7;
export const DEFAULT_MAX_IN_MEMORY_KEYS = Math.floor((1 << 22) * MAX_LOAD);

export class SeenKeys {
  private words = new Uint32Array(0);
  private used = new Uint8Array(0);
  private mask = 0;
  private count = 0;
  private spilled = false;
  private pendingSpill: string[] = [];
  /** Keys of the current chunk found in the spill table (see `lookUpSpilled`). */
  private spilledHits = new Set<string>();
  private readonly key = new Uint32Array(WORDS);

  constructor(private readonly maxInMemory = DEFAULT_MAX_IN_MEMORY_KEYS) {
    this.resize(1 << 12);
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

  has(key: string): boolean {
    if (this.count === 0 && this.spilledHits.size === 0) return false;
    return this.find(key) >= 0 || this.spilledHits.has(key);
  }

  /** Registers `key` (a canonical lower-case UUID); `flush` writes what spilled. */
  add(key: string): void {
    if (this.has(key)) return;
    if (this.count >= this.maxInMemory) {
      this.pendingSpill.push(`${key}\n`);
      this.spilledHits.add(key);
      return;
    }
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) this.resize((this.mask + 1) * 2);
    this.insert(this.slotOf(key));
  }

  /** Keys held in memory (the rest spilled). */
  get inMemory(): number {
    return this.count;
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

  /** Slot index holding `key`, or -1. Leaves the parsed key in `this.key`. */
  private find(key: string): number {
    let slot = this.slotOf(key);
    const { words, used, mask } = this;
    const k = this.key;
    while (used[slot]) {
      const at = slot * WORDS;
      if (words[at] === k[0] && words[at + 1] === k[1] && words[at + 2] === k[2] && words[at + 3] === k[3]) return slot;
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  /** Parses `key` into `this.key` and returns its first probe slot. */
  private slotOf(key: string): number {
    const k = this.key;
    // xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx: 8 hex digits a word, hyphens skipped.
    let at = 0;
    for (let word = 0; word < WORDS; word++) {
      let value = 0;
      for (let digits = 0; digits < 8; at++) {
        const c = key.charCodeAt(at);
        if (c === 45) continue;
        value = (value << 4) | (c <= 57 ? c - 48 : c - 87);
        digits++;
      }
      k[word] = value;
    }
    return this.slotOfWords(k[0]!, k[1]!, k[2]!, k[3]!);
  }

  private slotOfWords(a: number, b: number, c: number, d: number): number {
    // Keys need not be random (any UUID is accepted): mix every word.
    let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 13) ^ c, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 16) ^ d, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  /** Stores the parsed key in `this.key` at the first free slot from `slot`. */
  private insert(slot: number): void {
    while (this.used[slot]) slot = (slot + 1) & this.mask;
    this.words.set(this.key, slot * WORDS);
    this.used[slot] = 1;
    this.count++;
  }

  private resize(capacity: number): void {
    const { words, used } = this;
    this.words = new Uint32Array(capacity * WORDS);
    this.used = new Uint8Array(capacity);
    this.mask = capacity - 1;
    this.count = 0;
    for (let slot = 0; slot < used.length; slot++) {
      if (!used[slot]) continue;
      const at = slot * WORDS;
      this.key.set(words.subarray(at, at + WORDS));
      this.insert(this.slotOfWords(words[at]!, words[at + 1]!, words[at + 2]!, words[at + 3]!));
    }
  }
}
