// One uploaded file → validated rows, written chunk by chunk. Shared by the users and
// transactions stages; each supplies its row format and how a chunk is written.
//
// Per chunk, ONE transaction commits: the rows, the rejected rows, the job_files
// counters and committed_records (the resume checkpoint). A re-run after a crash
// re-reads the committed records only to rebuild the duplicate-key state (the target's
// replay), then resumes, so the end state and counts equal one clean run.
//
// Duplicate keys: a key is a duplicate when any earlier record of the file carried it.
// Within a chunk that is a KeySet here; across chunks each target keeps track itself.
//
// Rows reach the target two ways: records read by csv-parse through the string rules
// (rows.ts), and, when the target has a byte path, the lines it takes, checked and packed
// straight from the bytes they arrived in (no strings, no per-row objects).
import type pg from 'pg';
import { copyInto, inPooledTransaction, withTransaction } from '../../src/infra/pg-pool.js';
import { checkpointChunk } from '../../src/jobs/store.js';
import type { FileKind } from '../../src/generated/prisma/enums.js';
import { copyField } from '../../src/ingest/copy-text.js';
import { lineRecord, readCsvBatches, truncateUtf8, type CsvLines, type CsvRecord } from '../../src/ingest/csv-source.js';
import { InputFileError } from '../../src/ingest/errors.js';
import { mapHeader, type HeaderMapping } from '../../src/ingest/headers.js';
import { invalidField, type RowFormat, type RowProblem, type RowValues } from '../../src/ingest/rows.js';
import { uuid, Invalid, withoutNul } from '../../src/ingest/values.js';
import { readUpload } from '../../src/infra/file-store.js';
import { giveWayIfWaitedOn, type DryRunSession } from './dry-run.js';
import { KeySet, capacityFor } from './key-set.js';
import type { ProgressReporter } from './progress.js';

const YIELD_EVERY_RECORDS = 1024;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  /** Set for a dry run: `client` is inside the dry-run transaction (dry-run.ts). */
  dryRun?: DryRunSession;
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

/** The valid records of a chunk, in the form its target writes them. */
export interface ValidRows {
  readonly count: number;
  /** A record that passed every field rule; its key is new in the chunk. */
  add(line: number, key: string, values: RowValues, raw: string): void;
  /** Called once the chunk is committed (or replayed). */
  dispose?(): void;
}

/** Valid records as a list (targets with small files). */
export class RowList implements ValidRows {
  readonly items: Array<{ line: number; key: string; values: RowValues; raw: string }> = [];

  get count(): number {
    return this.items.length;
  }

  add(line: number, key: string, values: RowValues, raw: string): void {
    this.items.push({ line, key, values, raw });
  }
}

/** A target's byte path for quote-free lines. */
export interface LinePath<R extends ValidRows> {
  /** True when the line is valid exactly as spelled; `keyAt` is then its key's offset in `data`. */
  check(data: Buffer, start: number, end: number): boolean;
  readonly keyAt: number;
  /** Adds the line just checked (same `data`, `start`, `end`). */
  add(rows: R, data: Buffer, start: number, end: number, line: number): void;
}

/** What a chunk hands to its target. */
export interface ChunkRows<R extends ValidRows> {
  /** Valid records, keys unique within the chunk, in file order. */
  ok: R;
  /** Keys of records rejected for a broken field: they still count as seen. */
  rejectedKeys: Array<{ line: number; key: string }>;
}

export interface WriteResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Valid records the target refused (duplicates of earlier chunks, unknown users), with their raw text. */
  rejected: RowRejection[];
  /** Dates (YYYY-MM-DD) whose aggregates the written rows changed. */
  dates?: string[];
}

export interface FileTarget<Name extends string, R extends ValidRows> {
  format: RowFormat<Name>;
  /** Temp tables emptied by each chunk's commit (ON COMMIT DELETE ROWS); a dry run, which never commits, truncates them. */
  chunkTables: readonly string[];
  newRows(): R;
  /** The byte path for files with this header, if the target has one. */
  linePath?(mapping: HeaderMapping<Name>): LinePath<R> | undefined;
  /** Creates the session temp tables the target needs. */
  prepare(client: pg.ClientBase): Promise<void>;
  /** Writes one chunk inside its transaction. */
  write(client: pg.ClientBase, jobId: string, rows: ChunkRows<R>): Promise<WriteResult>;
  /** Registers the keys of already-committed records (crash re-run), inside a transaction. */
  replay(client: pg.ClientBase, keys: ChunkRows<R>['rejectedKeys']): Promise<void>;
  /** Drops the temp tables: pooled or not, a session must not keep them. */
  cleanup(client: pg.ClientBase): Promise<void>;
}

export type StageOutcome = 'done' | 'cancelled';

interface Chunk<R extends ValidRows> {
  /** Records before the checkpoint: only their keys are registered, nothing is written. */
  replay: boolean;
  records: number;
  startRecord: number;
  rows: ChunkRows<R>;
  rejections: RowRejection[];
}

/** Ingests one file; resumes after its committed_records. */
export async function ingestFile<Name extends string, R extends ValidRows>(
  ctx: StageContext,
  file: JobFileRow,
  target: FileTarget<Name, R>,
): Promise<StageOutcome> {
  await target.prepare(ctx.client);
  try {
    const source = readUpload(ctx.pool, file.id);
    const onBytes = (bytes: number) => ctx.progress.advance(0, bytes);
    const chunks = readAhead(chunksOf(source, onBytes, target, file.committedRecords, ctx.chunkRecords));
    for await (const chunk of chunks) {
      ctx.progress.advance(chunk.records, 0);
      if (chunk.replay) {
        await withTransaction(ctx.client, () => target.replay(ctx.client, chunk.rows.rejectedKeys));
        chunk.rows.ok.dispose?.();
        continue;
      }
      const cancelRequested = await commitChunk(ctx, file, target, chunk);
      chunk.rows.ok.dispose?.();
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
async function* chunksOf<Name extends string, R extends ValidRows>(
  source: AsyncIterable<Buffer>,
  onBytes: (bytes: number) => void,
  target: FileTarget<Name, R>,
  committedRecords: number,
  chunkRecords: number,
): AsyncGenerator<Chunk<R>> {
  const { format } = target;
  let mapping: HeaderMapping<Name> | undefined;
  let linePath: LinePath<R> | undefined;
  // The header selects the byte path; the lines it refuses are read by csv-parse.
  const fastLines = (header: CsvRecord) => {
    mapping = mapHeader(format.label, header.malformed ? [] : header.fields, format.columns);
    linePath = target.linePath?.(mapping);
    const path = linePath;
    return path && ((data: Buffer, start: number, end: number) => path.check(data, start, end));
  };
  let index = 0;
  let header = true;
  let builder: ChunkBuilder<Name, R> | undefined;
  for await (const batch of readCsvBatches(source, { onBytes, fastLines })) {
    const count = batch.kind === 'lines' ? batch.starts.length : batch.records.length;
    for (let i = 0; i < count; i++) {
      if (header) {
        // The reader hands the header to fastLines (which maps it) when this loop asks for the next batch.
        header = false;
        continue;
      }
      if (!mapping) throw new Error('the CSV reader gave a record before mapping the header');
      builder ??= new ChunkBuilder(target, mapping, linePath, index, index < committedRecords, chunkRecords);
      if (batch.kind === 'lines') builder.addLine(batch, i);
      else builder.add(batch.records[i] as CsvRecord);
      index++;
      // Parsing runs while the previous chunk's statements wait on PostgreSQL: let their
      // replies in, or PostgreSQL idles until a whole buffer is parsed.
      if (index % YIELD_EVERY_RECORDS === 0) await yieldToEventLoop();
      if (builder.records >= chunkRecords || index === committedRecords) {
        yield builder.build();
        builder = undefined;
      }
    }
  }
  if (header) throw new InputFileError(`${format.label}: the file is empty (no header row)`);
  if (index === 0) throw new InputFileError(`${format.label}: the file has a header but no data rows`);
  if (builder) yield builder.build();
}

class ChunkBuilder<Name extends string, R extends ValidRows> {
  records = 0;
  private readonly format: RowFormat<Name>;
  private readonly rows: ChunkRows<R>;
  private readonly rejections: RowRejection[] = [];
  private readonly keysInChunk: KeySet;
  private readonly keyPosition: number;
  private readonly validate: (fields: readonly string[]) => RowValues | RowProblem;

  constructor(
    target: FileTarget<Name, R>,
    private readonly mapping: HeaderMapping<Name>,
    private readonly linePath: LinePath<R> | undefined,
    private readonly startRecord: number,
    private readonly replay: boolean,
    chunkRecords: number,
  ) {
    this.format = target.format;
    this.rows = { ok: target.newRows(), rejectedKeys: [] };
    this.keysInChunk = new KeySet(capacityFor(chunkRecords));
    this.keyPosition = mapping.index[this.format.key];
    this.validate = this.format.validator(mapping);
  }

  /** A quote-free line: the byte path when it takes it, else the line as a record. */
  addLine(batch: CsvLines, i: number): void {
    const path = this.linePath;
    if (path && !this.replay) {
      const { data } = batch;
      const start = batch.starts[i]!;
      const end = batch.ends[i]!;
      // A key already in the chunk takes the record path, which words the duplicate.
      if (path.check(data, start, end) && this.keysInChunk.addAt(data, path.keyAt)) {
        this.records++;
        path.add(this.rows.ok, data, start, end, batch.lines[i]!);
        return;
      }
    }
    this.add(lineRecord(batch, i));
  }

  add(record: CsvRecord): void {
    this.records++;
    const { line, fields } = record;
    if (record.malformed) return this.reject(record, null, `malformed CSV: ${record.malformed}`);
    if (fields.length !== this.mapping.width) {
      return this.reject(record, null, `expected ${this.mapping.width} fields, found ${fields.length}`);
    }
    const keyField = fields[this.keyPosition] ?? '';
    const key = uuid(keyField);
    if (key instanceof Invalid) {
      const problem = invalidField(this.format.key, keyField, key);
      return this.reject(record, problem.column, problem.reason);
    }
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
    this.rows.ok.add(line, key, values, record.raw);
  }

  build(): Chunk<R> {
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

/** Commits one chunk atomically; returns whether a cancel was requested meanwhile. */
async function commitChunk<Name extends string, R extends ValidRows>(
  ctx: StageContext,
  file: JobFileRow,
  target: FileTarget<Name, R>,
  chunk: Chunk<R>,
): Promise<boolean> {
  if (ctx.dryRun) return dryRunChunk(ctx, ctx.dryRun, file, target, chunk);
  const { client, jobId } = ctx;
  return withTransaction(client, async () => {
    const written = await target.write(client, jobId, chunk.rows);
    return recordChunk(client, jobId, file, chunk, written, written.dates ?? []);
  });
}

/**
 * A dry run's chunk: the rows are written inside the dry-run transaction, which stays open
 * (and is rolled back at the end); the bookkeeping commits through a pooled connection.
 * No affected dates: nothing changed that the aggregates would need to follow.
 */
async function dryRunChunk<Name extends string, R extends ValidRows>(
  ctx: StageContext,
  session: DryRunSession,
  file: JobFileRow,
  target: FileTarget<Name, R>,
  chunk: Chunk<R>,
): Promise<boolean> {
  await giveWayIfWaitedOn(ctx.pool, session);
  const written = await target.write(ctx.client, ctx.jobId, chunk.rows);
  if (target.chunkTables.length) await ctx.client.query(`TRUNCATE ${target.chunkTables.join(', ')}`);
  return inPooledTransaction(ctx.pool, (bookkeeping) => recordChunk(bookkeeping, ctx.jobId, file, chunk, written, []));
}

/** The chunk's rejected rows, counters and checkpoint (inside the caller's transaction); returns cancel_requested. */
async function recordChunk<R extends ValidRows>(
  client: pg.ClientBase,
  jobId: string,
  file: JobFileRow,
  chunk: Chunk<R>,
  written: WriteResult,
  dates: string[],
): Promise<boolean> {
  const rejections = [...chunk.rejections, ...written.rejected];
  await insertRejections(client, jobId, file.kind, rejections);
  const { cancelRequested } = await checkpointChunk(client, jobId, {
    fileId: file.id,
    startRecord: chunk.startRecord,
    records: chunk.records,
    inserted: written.inserted,
    updated: written.updated,
    unchanged: written.unchanged,
    rejected: rejections.length,
    dates,
  });
  return cancelRequested;
}

async function insertRejections(client: pg.ClientBase, jobId: string, kind: FileKind, rejections: RowRejection[]) {
  if (!rejections.length) return;
  rejections.sort((a, b) => a.line - b.line);
  const lines = rejections.map(
    (r) =>
      `${jobId}\t${kind}\t${r.line}\t${copyField(r.column)}\t${copyField(withoutNul(r.reason))}\t` +
      `${copyField(withoutNul(truncateUtf8(r.raw)))}\n`,
  );
  await copyInto(client, 'rejected_rows (job_id, file, line, "column", reason, raw)', lines);
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
