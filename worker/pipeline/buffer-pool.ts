// Reused megabyte buffers for packed rows and COPY data. Allocated afresh, a million rows
// churned ~800 MB of them, and V8 answered that external memory with a full collection
// every ~15k rows.
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    private readonly maxKept: number,
    private readonly minBytes: number,
  ) {}

  /** A buffer of at least `bytes` (contents undefined). */
  take(bytes: number): Buffer {
    const at = this.free.findIndex((buffer) => buffer.length >= bytes);
    if (at >= 0) return this.free.splice(at, 1)[0] as Buffer;
    return Buffer.allocUnsafe(Math.max(bytes, this.minBytes));
  }

  /** Hands a buffer back; nothing may use it afterwards. */
  give(buffer: Buffer): void {
    if (this.free.length < this.maxKept) this.free.push(buffer);
  }
}

/** The worker's pool: a few chunks' packed rows and COPY buffers (≤ 8 × ~2 MiB kept). */
export const bufferPool = new BufferPool(8, 1 << 20);
