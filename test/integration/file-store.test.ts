// upload_chunks round trip: storeUpload's rows read back by readUpload (binary COPY, its
// framing stripped in the worker) must give the uploaded bytes exactly, whatever they are and
// however the source cuts them.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_BYTES, readUpload, storeUpload, UploadTooLargeError } from '../../src/infra/file-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('file_store');
});
afterAll(async () => db?.drop());

/** Every byte value in order, then backwards, then a deterministic pseudo-random rest. */
function arbitraryBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < 256 && i < size; i++) bytes[i] = i;
  for (let i = 0; i < 256 && 256 + i < size; i++) bytes[256 + i] = 255 - i;
  let state = 0x9e3779b9;
  for (let i = 512; i < size; i++) {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** `data` in pieces of the given sizes, repeated in turn (the way a socket cuts a body). */
async function* piecesOf(data: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

async function newFile(): Promise<string> {
  const jobId = randomUUID();
  const fileId = randomUUID();
  await db.pool.query(`INSERT INTO ingest_jobs (id, status) VALUES ($1, 'QUEUED')`, [jobId]);
  await db.pool.query(
    `INSERT INTO job_files (id, job_id, kind, name, size_bytes, sha256) VALUES ($1, $2, 'TRANSACTIONS', 't.csv', 0, '')`,
    [fileId, jobId],
  );
  return fileId;
}

async function store(fileId: string, source: AsyncIterable<Buffer>, maxBytes = 1024 ** 3) {
  const client = await db.pool.connect();
  try {
    return await storeUpload(client, fileId, source, maxBytes);
  } finally {
    client.release();
  }
}

async function readBack(fileId: string): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of readUpload(db.pool, fileId)) pieces.push(piece as Buffer);
  return Buffer.concat(pieces);
}

async function rowSizes(fileId: string): Promise<number[]> {
  const { rows } = await db.pool.query<{ size: number }>(
    'SELECT length(data) AS size FROM upload_chunks WHERE file_id = $1 ORDER BY seq',
    [fileId],
  );
  return rows.map((row) => row.size);
}

describe('storeUpload → readUpload', () => {
  it('gives back every byte exactly, across several chunks and an odd tail', async () => {
    const data = arbitraryBytes(3 * CHUNK_BYTES + 12_345);
    const fileId = await newFile();
    // Odd piece sizes straddle every chunk boundary; one piece spans more than a whole chunk.
    const stored = await store(fileId, piecesOf(data, [65_537, 1, 3, CHUNK_BYTES + 4_099, 7_777]));
    expect(stored).toEqual({ sizeBytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    expect(await rowSizes(fileId)).toEqual([CHUNK_BYTES, CHUNK_BYTES, CHUNK_BYTES, 12_345]);
    const back = await readBack(fileId);
    expect(back.length).toBe(data.length);
    expect(back.equals(data)).toBe(true);
    expect(new Set(back.subarray(0, 256)).size).toBe(256);
  });

  it('stores a file of exactly one chunk as one row, and an empty file as none', async () => {
    const one = arbitraryBytes(CHUNK_BYTES);
    const oneId = await newFile();
    await store(oneId, piecesOf(one, [CHUNK_BYTES]));
    expect(await rowSizes(oneId)).toEqual([CHUNK_BYTES]);
    expect((await readBack(oneId)).equals(one)).toBe(true);

    const emptyId = await newFile();
    expect(await store(emptyId, piecesOf(Buffer.alloc(0), [1]))).toEqual({
      sizeBytes: 0,
      sha256: createHash('sha256').digest('hex'),
    });
    expect(await rowSizes(emptyId)).toEqual([]);
    expect((await readBack(emptyId)).length).toBe(0);
  });

  it('keeps what it stored when the source reuses its buffer for the next piece', async () => {
    const data = arbitraryBytes(CHUNK_BYTES + 999);
    async function* reusing(): AsyncGenerator<Buffer> {
      const scratch = Buffer.alloc(50_000);
      for (let offset = 0; offset < data.length; offset += scratch.length) {
        const n = data.copy(scratch, 0, offset, offset + scratch.length);
        yield scratch.subarray(0, n);
        scratch.fill(0xee);
      }
    }
    const fileId = await newFile();
    await store(fileId, reusing());
    expect((await readBack(fileId)).equals(data)).toBe(true);
  });

  it('stops with UploadTooLargeError one byte over the limit', async () => {
    const fileId = await newFile();
    const data = arbitraryBytes(10_001);
    await expect(store(fileId, piecesOf(data, [4_096]), 10_000)).rejects.toBeInstanceOf(UploadTooLargeError);
    const exact = await newFile();
    await expect(store(exact, piecesOf(data.subarray(0, 10_000), [4_096]), 10_000)).resolves.toMatchObject({
      sizeBytes: 10_000,
    });
  });
});
