// The UUID keys a file has carried so far, for exact duplicate detection across chunks.
//
// In memory: an open-addressing hash set of the 128-bit keys themselves (16 bytes a slot,
// all-zero = free, the nil UUID kept aside; no strings, no per-key objects), so an
// unchanged re-upload of 1M rows registers and looks up its keys in a fraction of a
// second instead of seconds of temp-table COPY and index probes. Past `maxInMemory` keys
// (a bound on memory: 2^22 slots = 64 MiB) further keys spill to a session temp table,
// and lookups consult both: exact at any file size.
import type pg from 'pg';
import { copyInto } from './file-stage.js';

const SPILL_TABLE = 'seen_keys_spill';
const WORDS = 4;
const MAX_LOAD = 0.7;
export const DEFAULT_MAX_IN_MEMORY_KEYS = Math.floor((1 << 22) * MAX_LOAD);

const HEX = new Int32Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;
const digit = (key: string, at: number) => HEX[key.charCodeAt(at)]!;
const hex4 = (key: string, at: number) =>
  (digit(key, at) << 12) | (digit(key, at + 1) << 8) | (digit(key, at + 2) << 4) | digit(key, at + 3);
const hex8 = (key: string, at: number) => (hex4(key, at) << 16) | hex4(key, at + 4);

export class SeenKeys {
  private words = new Uint32Array(0);
  private mask = 0;
  private count = 0;
  private hasNil = false;
  private spilled = false;
  private pendingSpill: string[] = [];
  /** Keys of the current chunk found in the spill table (see `lookUpSpilled`), and spilled since. */
  private readonly spilledHits = new Set<string>();
  /** The key being looked up, parsed. */
  private readonly key = new Uint32Array(WORDS);
  /** Where the last unsuccessful lookup stopped: the free slot an insert takes. */
  private freeSlot = 0;

  constructor(private readonly maxInMemory = DEFAULT_MAX_IN_MEMORY_KEYS) {
    this.resize(1 << 12);
  }

  /** Keys held in memory (the rest spilled). */
  get inMemory(): number {
    return this.count + (this.hasNil ? 1 : 0);
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
    if (this.inMemory === 0 && this.spilledHits.size === 0) return false;
    return this.lookUp(key) || this.spilledHits.has(key);
  }

  /** Registers `key`; `flush` writes what spilled. */
  add(key: string): void {
    if (this.lookUp(key) || this.spilledHits.has(key)) return;
    if (this.inMemory >= this.maxInMemory) {
      this.pendingSpill.push(`${key}\n`);
      this.spilledHits.add(key);
    } else if (this.isNil()) {
      this.hasNil = true;
    } else if (this.count + 1 > (this.mask + 1) * MAX_LOAD) {
      const parsed = this.key.slice();
      this.resize((this.mask + 1) * 2);
      this.key.set(parsed);
      this.insert();
    } else {
      this.words.set(this.key, this.freeSlot * WORDS);
      this.count++;
    }
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

  /** Parses `key` into `this.key`; true when it is in memory, else `freeSlot` is where it would go. */
  private lookUp(key: string): boolean {
    this.parse(key);
    if (this.isNil()) return this.hasNil;
    const { words, mask, key: k } = this;
    const a = k[0]!, b = k[1]!, c = k[2]!, d = k[3]!;
    for (let slot = this.slotOf(a, b, c, d); ; slot = (slot + 1) & mask) {
      const at = slot * WORDS;
      const w0 = words[at]!, w1 = words[at + 1]!, w2 = words[at + 2]!, w3 = words[at + 3]!;
      if (w0 === a && w1 === b && w2 === c && w3 === d) return true;
      if ((w0 | w1 | w2 | w3) === 0) {
        this.freeSlot = slot;
        return false;
      }
    }
  }

  private isNil(): boolean {
    const k = this.key;
    return (k[0]! | k[1]! | k[2]! | k[3]!) === 0;
  }

  /** xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx → four 32-bit words (a table lookup per digit). */
  private parse(key: string): void {
    const k = this.key;
    k[0] = hex8(key, 0);
    k[1] = (hex4(key, 9) << 16) | hex4(key, 14);
    k[2] = (hex4(key, 19) << 16) | hex4(key, 24);
    k[3] = hex8(key, 28);
  }

  private slotOf(a: number, b: number, c: number, d: number): number {
    // Keys need not be random (any UUID is accepted): mix every word.
    let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 13) ^ c, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 16) ^ d, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  /** Stores `this.key` (not nil) at the first free slot of its probe sequence. */
  private insert(): void {
    const { words, key: k } = this;
    let slot = this.slotOf(k[0]!, k[1]!, k[2]!, k[3]!);
    while (words[slot * WORDS]! | words[slot * WORDS + 1]! | words[slot * WORDS + 2]! | words[slot * WORDS + 3]!) {
      slot = (slot + 1) & this.mask;
    }
    this.words.set(this.key, slot * WORDS);
    this.count++;
  }

  private resize(capacity: number): void {
    const old = this.words;
    this.words = new Uint32Array(capacity * WORDS);
    this.mask = capacity - 1;
    this.count = 0;
    for (let at = 0; at < old.length; at += WORDS) {
      if ((old[at]! | old[at + 1]! | old[at + 2]! | old[at + 3]!) === 0) continue;
      this.key.set(old.subarray(at, at + WORDS));
      this.insert();
    }
  }
}
