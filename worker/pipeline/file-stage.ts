// One uploaded file → validated rows, written chunk by chunk. Shared by the users and
// transactions stages; each supplies its row format and how a chunk is written.
//
// Per chunk, ONE transaction commits: the rows, the rejected rows, the job_files
// counters and committed_records (the resume checkpoint). A re-run after a crash
// re-reads the committed records only to rebuild the duplicate-key state (the target's
// replay), then resumes, so the end state and counts equal one clean run.
//
// Duplicate keys: a key is a duplicate when any earlier record of the file carried it.
// Within a chunk that is a JS map here; across chunks each target keeps the keys in the
// database (memory stays flat for 10M-row files).
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { FileKind } from '../../src/generated/prisma/enums.js';
import { copyField } from '../../src/ingest/copy-text.js';
import { readCsvRecords, truncateUtf8 } from '../../src/ingest/csv-source.js';
import type { CsvRecord } from '../../src/ingest/csv-tokenizer.js';
import { InputFileError } from '../../src/ingest/errors.js';
import { mapHeader, type HeaderMapping } from '../../src/ingest/headers.js';
import type { RowFormat, RowProblem, RowValues } from '../../src/ingest/rows.js';
import { uuid, Invalid } from '../../src/ingest/values.js';
import { readUpload } from '../../src/infra/file-store.js';
import type { ProgressReporter } from './progress.js';

// Two chunks are in memory at once (one parsed ahead): 10k records ≈ 8 MB of JS heap each.
// Progress moves a chunk at a time, so a chunk should commit well within a second (≥ 2
// progress events/s); the per-chunk statements cost ~2 ms, noise at this size.
export const DEFAULT_CHUNK_RECORDS = 10_000;

export interface JobFileRow {
  id: string;
  kind: FileKind;
  name: string;
  committedRecords: number;
}

export interface StageContext {
  pool: pg.Pool;
  /** Dedicated connection of this run: holds the job lock and the temp tables. */
  client: pg.ClientBase;
  jobId: string;
  progress: ProgressReporter;
  chunkRecords: number;
  /** Keys a file's seen-key set holds in memory before it spills to a temp table (tests lower it). */
  maxKeysInMemory?: number;
  /** Called after each chunk commits (observability; tests simulate crashes here). */
  onChunkCommitted?: (kind: FileKind, committedRecords: number) => Promise<void> | void;
}

export interface RowRejection {
  line: number;
  column: string | null;
  reason: string;
  raw: string;
}

/** What a chunk hands to its target: the records that passed every field rule. */
export interface ChunkRows {
  /** Valid records, keys unique within the chunk, in file order. */
  ok: Array<{ line: number; key: string; values: RowValues; raw: string }>;
  /** Keys of records rejected for a broken field: they still count as seen. */
  rejectedKeys: Array<{ line: number; key: string }>;
}

export interface WriteResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Valid records the target refused (duplicates of earlier chunks, unknown users), with their raw text. */
  rejected: RowRejection[];
}

export interface FileTarget<Name extends string> {
  format: RowFormat<Name>;
  /** Creates the session temp tables the target needs. */
  prepare(client: pg.ClientBase): Promise<void>;
  /** Writes one chunk inside its transaction. */
  write(client: pg.ClientBase, jobId: string, rows: ChunkRows): Promise<WriteResult>;
  /** Registers the keys of already-committed records (crash re-run), inside a transaction. */
  replay(client: pg.ClientBase, keys: ChunkRows['rejectedKeys']): Promise<void>;
  /** Drops the temp tables: pooled or not, a session must not keep them. */
  cleanup(client: pg.ClientBase): Promise<void>;
}

export type StageOutcome = 'done' | 'cancelled';

interface Chunk {
  /** Records before the checkpoint: only their keys are registered, nothing is written. */
  replay: boolean;
  records: number;
  startRecord: number;
  rows: ChunkRows;
  rejections: RowRejection[];
}

/** Ingests one file; resumes after its committed_records. */
export async function ingestFile<Name extends string>(
  ctx: StageContext,
  file: JobFileRow,
  target: FileTarget<Name>,
): Promise<StageOutcome> {
  await target.prepare(ctx.client);
  try {
    const batches = readCsvRecords(readUpload(ctx.pool, file.id), {
      onBytes: (bytes) => ctx.progress.advance(0, bytes),
    });
    const chunks = readAhead(chunksOf(batches, target.format, file.committedRecords, ctx.chunkRecords));
    for await (const chunk of chunks) {
      ctx.progress.advance(chunk.records, 0);
      if (chunk.replay) {
        await inTransaction(ctx.client, () => target.replay(ctx.client, chunk.rows.rejectedKeys));
        continue;
      }
      const cancelRequested = await commitChunk(ctx, file, target, chunk);
      await ctx.onChunkCommitted?.(file.kind, chunk.startRecord + chunk.records);
      if (cancelRequested) return 'cancelled';
    }
    return 'done';
  } finally {
    await target.cleanup(ctx.client).catch(() => undefined);
  }
}

/**
 * Groups the data records into chunks of validated, COPY-ready rows. The first record is
 * the header; records before `committedRecords` form replay chunks.
 */
async function* chunksOf<Name extends string>(
  batches: AsyncIterable<CsvRecord[]>,
  format: RowFormat<Name>,
  committedRecords: number,
  chunkRecords: number,
): AsyncGenerator<Chunk> {
  let mapping: HeaderMapping<Name> | undefined;
  let index = 0;
  let builder: ChunkBuilder<Name> | undefined;
  for await (const batch of batches) {
    for (const record of batch) {
      if (!mapping) {
        mapping = mapHeader(format.label, record.malformed ? [] : record.fields, format.columns);
        continue;
      }
      builder ??= new ChunkBuilder(format, mapping, index, index < committedRecords);
      builder.add(record);
      index++;
      if (builder.records >= chunkRecords || index === committedRecords) {
        yield builder.build();
        builder = undefined;
      }
    }
  }
  if (!mapping) throw new InputFileError(`${format.label}: the file is empty (no header row)`);
  if (index === 0) throw new InputFileError(`${format.label}: the file has a header but no data rows`);
  if (builder) yield builder.build();
}

class ChunkBuilder<Name extends string> {
  records = 0;
  private readonly rows: ChunkRows = { ok: [], rejectedKeys: [] };
  private readonly rejections: RowRejection[] = [];
  private readonly keysInChunk = new Set<string>();
  private readonly keyPosition: number;
  private readonly validate: (fields: readonly string[]) => RowValues | RowProblem;

  constructor(
    private readonly format: RowFormat<Name>,
    private readonly mapping: HeaderMapping<Name>,
    private readonly startRecord: number,
    private readonly replay: boolean,
  ) {
    this.keyPosition = mapping.index[format.key];
    this.validate = format.validator(mapping);
  }

  add(record: CsvRecord): void {
    this.records++;
    const { line, fields } = record;
    if (record.malformed) return this.reject(record, null, `malformed CSV: ${record.malformed}`);
    if (fields.length !== this.mapping.width) {
      return this.reject(record, null, `expected ${this.mapping.width} fields, found ${fields.length}`);
    }
    const key = uuid(fields[this.keyPosition] ?? '');
    if (key instanceof Invalid) return this.reject(record, this.format.key, `${this.format.key} ${key.reason}`);
    const repeated = this.keysInChunk.has(key);
    if (this.replay) {
      if (!repeated) this.seeKey(line, key);
      return;
    }
    const values = this.validate(fields);
    if (!Array.isArray(values)) {
      // Its key still counts as seen: a later line with the same key is a duplicate.
      if (!repeated) this.seeKey(line, key);
      return this.reject(record, values.column, values.reason);
    }
    if (repeated) {
      return this.reject(record, this.format.key, duplicateReason(this.format.key, key));
    }
    this.keysInChunk.add(key);
    this.rows.ok.push({ line, key, values, raw: record.raw });
  }

  build(): Chunk {
    return {
      replay: this.replay,
      records: this.records,
      startRecord: this.startRecord,
      rows: this.rows,
      rejections: this.rejections,
    };
  }

  private seeKey(line: number, key: string): void {
    this.keysInChunk.add(key);
    this.rows.rejectedKeys.push({ line, key });
  }

  private reject(record: CsvRecord, column: string | null, reason: string): void {
    if (!this.replay) this.rejections.push({ line: record.line, column, reason, raw: record.raw });
  }
}

/**
 * One wording whichever way the duplicate was found (chunk map, seen keys, or a row this
 * job wrote): chunk boundaries differ between a clean run and a crash re-run, and both
 * must leave the same rejected rows.
 */
function duplicateReason(keyName: string, key: string): string {
  return `duplicate ${keyName} ${key}: an earlier line of this file has the same ${keyName}`;
}

/** A record refused because an earlier line of the file had its key. */
export function duplicateRejection(keyName: string, line: number, key: string, raw: string): RowRejection {
  return { line, column: keyName, reason: duplicateReason(keyName, key), raw };
}

async function inTransaction(client: pg.ClientBase, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Commits one chunk atomically; returns whether a cancel was requested meanwhile. */
async function commitChunk<Name extends string>(
  ctx: StageContext,
  file: JobFileRow,
  target: FileTarget<Name>,
  chunk: Chunk,
): Promise<boolean> {
  const { client, jobId } = ctx;
  await client.query('BEGIN');
  try {
    const written = await target.write(client, jobId, chunk.rows);
    const rejections = [...chunk.rejections, ...written.rejected];
    await insertRejections(client, jobId, file.kind, rejections);
    const counted = await client.query(
      `UPDATE job_files SET total_rows = total_rows + $3, inserted_rows = inserted_rows + $4,
              updated_rows = updated_rows + $5, unchanged_rows = unchanged_rows + $6,
              rejected_rows = rejected_rows + $7, committed_records = $2 + $3
        WHERE id = $1 AND committed_records = $2`,
      [file.id, chunk.startRecord, chunk.records, written.inserted, written.updated, written.unchanged, rejections.length],
    );
    // Guards against two runs of one job: the checkpoint must be where this run left it.
    if (counted.rowCount !== 1) throw new Error(`job file ${file.id} checkpoint moved: another run is ingesting it`);
    const job = await client.query<{ cancel_requested: boolean }>(
      `UPDATE ingest_jobs SET rejected_count = rejected_count + $2, updated_at = now() WHERE id = $1
        RETURNING cancel_requested`,
      [jobId, rejections.length],
    );
    await client.query('COMMIT');
    return job.rows[0]?.cancel_requested ?? false;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function insertRejections(client: pg.ClientBase, jobId: string, kind: FileKind, rejections: RowRejection[]) {
  if (!rejections.length) return;
  rejections.sort((a, b) => a.line - b.line);
  const lines = rejections.map(
    (r) => `${jobId}\t${kind}\t${r.line}\t${copyField(r.column)}\t${copyField(r.reason)}\t${copyField(storedRaw(r.raw))}\n`,
  );
  await copyInto(client, 'rejected_rows (job_id, file, line, "column", reason, raw)', lines);
}

/** Raw text as stored: at most 1 KiB, and without NUL (PostgreSQL text cannot hold it). */
function storedRaw(raw: string): string {
  return truncateUtf8(raw).replace(/\u0000/g, '\uFFFD');
}

/**
 * COPY … FROM STDIN of text-format rows, in a few large writes. `rows` may be a lazy
 * iterable: each row is then built, encoded and dropped in turn, and dies young.
 */
export async function copyInto(client: pg.ClientBase, table: string, rows: Iterable<string>): Promise<void> {
  if (Array.isArray(rows) && !rows.length) return;
  const stream = client.query(copyStreams.from(`COPY ${table} FROM STDIN`));
  await pipeline(Readable.from(encodeRows(rows)), stream);
}

const COPY_BUFFER_BYTES = 1 << 20;

/**
 * UTF-8 encodes the rows straight into ~1 MiB buffers: no joined megabyte strings and no
 * second copy into a Buffer (at a million rows both showed up as seconds of CPU and GC).
 */
function* encodeRows(rows: Iterable<string>): Generator<Buffer> {
  let buffer = Buffer.allocUnsafe(COPY_BUFFER_BYTES);
  let used = 0;
  for (const row of rows) {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    if (used + row.length * 3 > buffer.length) {
      if (used) yield buffer.subarray(0, used);
      buffer = Buffer.allocUnsafe(Math.max(COPY_BUFFER_BYTES, row.length * 3));
      used = 0;
    }
    used += buffer.write(row, used);
  }
  if (used) yield buffer.subarray(0, used);
}

/**
 * Pulls the next item while the consumer works on the current one: the next chunk is
 * parsed and validated while PostgreSQL merges this one.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  // The read ahead may fail (bad bytes mid-file) while nobody awaits it yet: mark it
  // handled so Node does not treat it as an unhandled rejection; awaiting still throws.
  const pull = () => {
    const promise = iterator.next();
    promise.catch(() => undefined);
    return promise;
  };
  let next = pull();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = pull();
      yield result.value;
    }
  } finally {
    // Stopping early (cancel, error): settle the pending read and close the source.
    await next.catch(() => undefined);
    await iterator.return?.(undefined);
  }
}
