// A set of canonical UUIDs held as 128-bit values (no strings, no per-key objects):
// the in-chunk duplicate check and the in-memory part of SeenKeys.
const WORDS = 4;
export const MAX_LOAD = 0.7;

/** Hex digit values by character code (canonical UUIDs are lower-case hex). */
export const HEX_VALUE = new Int32Array(128);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = 10 + i;

function textHex4(key: string, at: number): number {
  return (
    (HEX_VALUE[key.charCodeAt(at)]! << 12) | (HEX_VALUE[key.charCodeAt(at + 1)]! << 8) |
    (HEX_VALUE[key.charCodeAt(at + 2)]! << 4) | HEX_VALUE[key.charCodeAt(at + 3)]!
  );
}

function byteHex4(data: Uint8Array, at: number): number {
  return (HEX_VALUE[data[at]!]! << 12) | (HEX_VALUE[data[at + 1]!]! << 8) | (HEX_VALUE[data[at + 2]!]! << 4) | HEX_VALUE[data[at + 3]!]!;
}

/**
 * Open addressing, 16 bytes a slot, all-zero = free, the nil UUID kept aside. Keys come
 * as text or straight from the bytes of a line.
 */
export class KeySet {
  private words = new Uint32Array(0);
  private mask = 0;
  private count = 0;
  private hasNil = false;
  /** The key being looked up, parsed. */
  private readonly key = new Uint32Array(WORDS);
  /** Where the last unsuccessful lookup stopped: the free slot an insert takes. */
  private freeSlot = 0;

  constructor(capacity = 1 << 12) {
    this.resize(capacity);
  }

  get size(): number {
    return this.count + (this.hasNil ? 1 : 0);
  }

  /** `key` is a canonical lower-case UUID (as validated). */
  has(key: string): boolean {
    this.parse(key);
    return this.lookUp();
  }

  /** Adds `key`; false when it was there already. */
  add(key: string): boolean {
    this.parse(key);
    return this.insertParsed();
  }

  /** `has` for the canonical UUID spelled by the 36 bytes at `data[at]`. */
  hasAt(data: Uint8Array, at: number): boolean {
    this.parseAt(data, at);
    return this.lookUp();
  }

  /** `add` for the canonical UUID spelled by the 36 bytes at `data[at]`. */
  addAt(data: Uint8Array, at: number): boolean {
    this.parseAt(data, at);
    return this.insertParsed();
  }

  /** Empties the set, keeping its table. */
  clear(): void {
    this.words.fill(0);
    this.count = 0;
    this.hasNil = false;
  }

  private insertParsed(): boolean {
    if (this.lookUp()) return false;
    if (this.isNil()) {
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
    return true;
  }

  /** True when the parsed key is held, else `freeSlot` is where it would go. */
  private lookUp(): boolean {
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
    k[0] = (textHex4(key, 0) << 16) | textHex4(key, 4);
    k[1] = (textHex4(key, 9) << 16) | textHex4(key, 14);
    k[2] = (textHex4(key, 19) << 16) | textHex4(key, 24);
    k[3] = (textHex4(key, 28) << 16) | textHex4(key, 32);
  }

  private parseAt(data: Uint8Array, at: number): void {
    const k = this.key;
    k[0] = (byteHex4(data, at) << 16) | byteHex4(data, at + 4);
    k[1] = (byteHex4(data, at + 9) << 16) | byteHex4(data, at + 14);
    k[2] = (byteHex4(data, at + 19) << 16) | byteHex4(data, at + 24);
    k[3] = (byteHex4(data, at + 28) << 16) | byteHex4(data, at + 32);
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

/** A table size that holds `keys` keys without growing. */
export function capacityFor(keys: number): number {
  let capacity = 1 << 4;
  while (capacity * MAX_LOAD < keys) capacity *= 2;
  return capacity;
}
