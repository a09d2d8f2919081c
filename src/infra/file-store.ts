// Uploaded files live in PostgreSQL (upload_chunks), streamed in fixed-size chunks:
// every worker on every machine reads them through the database both sides already
// share, with no local disk and no object store to run. Rows are deleted with the job, or
// UPLOAD_RETENTION_DAYS after it ended (purgeExpiredUploads in jobs/service.ts).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { isUuid } from '../jobs/job-id.js';

/**
 * Bytes per upload_chunks row. 1 MiB rather than 4: the worker holds a row more than once
 * while reading it, so the row size sets its large-object churn (peak RSS 150 MB against
 * 200 MB reading 166 MB in a bare process); storing and reading cost the same CPU either way.
 */
export const CHUNK_BYTES = 1024 * 1024;

export class UploadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`file exceeds the upload limit of ${limit} bytes`);
  }
}

export interface StoredFile {
  sizeBytes: number;
  sha256: string;
}

/**
 * Streams `source` into upload_chunks for `fileId`, hashing on the way. Over `maxBytes`
 * it stops reading and throws UploadTooLargeError; the caller deletes the job row, whose
 * cascade removes the partial chunks. Given a pool, each chunk INSERT takes a connection
 * for itself only: none is held while the next chunk's bytes arrive over the network.
 */
export async function storeUpload(
  client: Pick<pg.Pool, 'query'> | pg.ClientBase,
  fileId: string,
  source: AsyncIterable<Buffer>,
  maxBytes: number,
): Promise<StoredFile> {
  const hash = createHash('sha256');
  let size = 0;
  let seq = 0;
  // The pieces are copied into one chunk-sized buffer, reused for every row: pg copies the
  // parameter into its Bind message before the INSERT completes, and the next piece is only
  // read after that. Collecting the pieces and Buffer.concat-ing them made a third copy of
  // every byte for the GC to find later (storing a 166 MB file from a bare process: peak
  // RSS 86 MB over its start that way, 38 MB this way).
  let chunk: Buffer | undefined;
  let filled = 0;
  const flush = async () => {
    if (!chunk || !filled) return;
    const data = chunk.subarray(0, filled);
    filled = 0;
    await client.query('INSERT INTO upload_chunks (file_id, seq, data) VALUES ($1, $2, $3)', [fileId, seq++, data]);
  };
  for await (const piece of source) {
    size += piece.length;
    if (size > maxBytes) throw new UploadTooLargeError(maxBytes);
    hash.update(piece);
    chunk ??= Buffer.allocUnsafe(CHUNK_BYTES);
    for (let offset = 0; offset < piece.length; ) {
      const copied = piece.copy(chunk, filled, offset);
      filled += copied;
      offset += copied;
      if (filled === CHUNK_BYTES) await flush();
    }
  }
  await flush();
  return { sizeBytes: size, sha256: hash.digest('hex') };
}

/** Reads a stored file back as a byte stream, one chunk query at a time. */
export function readUpload(pool: pg.Pool, fileId: string): Readable {
  if (!isUuid(fileId)) throw new Error(`not a file id: ${fileId}`);
  let seq = 0;
  return Readable.from(
    (async function* () {
      for (;;) {
        const data = await readChunk(pool, fileId, seq++);
        if (!data) return;
        yield data;
      }
    })(),
    { objectMode: false },
  );
}

// COPY binary framing: the 19-byte file header, then per row an int16 field count and an
// int32 field length before the bytes, and an int16 -1 trailer.
const COPY_HEADER_BYTES = 19;
const ROW_HEADER_BYTES = 6;

/**
 * One row's bytes as they are stored, through COPY … TO STDOUT (FORMAT binary): a query
 * result would arrive as text (pg decodes every data-row value as UTF-8, which mangles
 * bytea), so it would need hex or base64 encoding on the server and decoding here. The
 * statement takes no parameters, hence the inlined (validated) id and sequence number.
 */
async function readChunk(pool: pg.Pool, fileId: string, seq: number): Promise<Buffer | null> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    const parts: Buffer[] = [];
    const copy = client.query(
      copyStreams.to(
        `COPY (SELECT data FROM upload_chunks WHERE file_id = '${fileId}' AND seq = ${Number(seq)}) TO STDOUT (FORMAT binary)`,
      ),
    );
    for await (const part of copy) parts.push(part as Buffer);
    const copied = Buffer.concat(parts);
    if (copied.length <= COPY_HEADER_BYTES + 2) return null;
    const length = copied.readInt32BE(COPY_HEADER_BYTES + 2);
    const start = COPY_HEADER_BYTES + ROW_HEADER_BYTES;
    return copied.subarray(start, start + length);
  } catch (error) {
    // A connection that failed mid-COPY must not go back to the pool.
    failed = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(failed);
  }
}
