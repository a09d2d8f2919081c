// `npm run bench:ingest`: our end-to-end ingest (real API + worker processes, multipart
// upload → job COMPLETED with aggregates) against the reference R = `psql \copy` of the
// same transactions file into a plain table with a UUID PK, a FK to users and two
// secondary indexes. Same machine, same run; ratios are what we compare.
import { execFileSync } from 'node:child_process';
import { existsSync, openAsBlob } from 'node:fs';
import { appendFile, copyFile, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { migrate } from '../src/migrate.js';
import { request, upload } from '../src/client/http.js';
import { JobQuery, UploadCsvMutation } from '../src/client/operations/jobs.js';
import { ROOT, benchArgs, benchDatabaseUrl, freePort, jobEnd, machine, peakRssMb, recreateDatabase, spawnEntry, waitFor, writeResultsSection } from './lib.js';

const args = benchArgs();
const TRANSACTIONS = Number(args.transactions ?? 1_000_000);
const USERS = Number(args.users ?? 2_000);
const DAYS = Number(args.days ?? 30);
const dataDir = path.join(ROOT, 'bench', 'data', `ingest-${TRANSACTIONS}`);
const usersCsv = path.join(dataDir, 'users.csv');
const transactionsCsv = path.join(dataDir, 'transactions.csv');
// The same records in other bytes (a blank line at the end): not carried over as an
// identical upload, so every row is read and compared.
const rereadUsersCsv = path.join(dataDir, 'users-reread.csv');
const rereadTransactionsCsv = path.join(dataDir, 'transactions-reread.csv');
// And in yet other bytes (two blank lines) for the dry run over stored rows, which follows
// the real re-read: with the re-read's bytes it would be carried over from that job.
const dryUsersCsv = path.join(dataDir, 'users-dry.csv');
const dryTransactionsCsv = path.join(dataDir, 'transactions-dry.csv');

const seconds = (ms: number) => (ms / 1000).toFixed(1);

function psql(database: string, command: string): void {
  execFileSync('psql', ['-v', 'ON_ERROR_STOP=1', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-c', command], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Each measured run starts after a CHECKPOINT: otherwise it pays for the previous run's
 * dirty pages being written out underneath it (R's ~0.5 GB table and indexes, then ours).
 */
const checkpoint = () => psql('postgres', 'CHECKPOINT');

/** The header row, without reading a 1 GiB file into a string. */
async function firstLine(file: string): Promise<string> {
  const handle = await open(file);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    return buffer.toString('utf8', 0, bytesRead).split(/\r?\n/)[0]!;
  } finally {
    await handle.close();
  }
}

/** R: \copy into a plain indexed table, the way a DBA would load this file. */
async function referenceCopy(): Promise<number> {
  const database = 'bi_bench_reference';
  await recreateDatabase(database);
  const header = await firstLine(transactionsCsv);
  const columns = header.split(',').map((name) => name.trim().toLowerCase());
  const usersHeader = await firstLine(usersCsv);
  const userColumns = usersHeader.split(',').map((name) => name.trim().toLowerCase());
  const typeOf: Record<string, string> = {
    rowid: 'uuid PRIMARY KEY', user_id: 'uuid NOT NULL REFERENCES users (user_id)', model_name: 'text NOT NULL',
    conversation_id: 'uuid NOT NULL', token_type: 'text NOT NULL', token_count: 'bigint NOT NULL',
    rate_per_1k: 'numeric NOT NULL', calculated_cost: 'numeric NOT NULL', timestamp: 'timestamptz NOT NULL',
  };
  const userTypes: Record<string, string> = { user_id: 'uuid PRIMARY KEY', is_active_sub: 'boolean', signup_date: 'timestamptz' };
  psql(database, `CREATE TABLE users (${userColumns.map((c) => `"${c}" ${userTypes[c] ?? 'text'}`).join(', ')})`);
  psql(database, `\\copy users FROM '${usersCsv}' WITH (FORMAT csv, HEADER true)`);
  psql(database, `CREATE TABLE transactions (${columns.map((c) => `"${c}" ${typeOf[c] ?? 'text'}`).join(', ')})`);
  psql(database, 'CREATE INDEX ON transactions (user_id); CREATE INDEX ON transactions ("timestamp")');
  checkpoint();
  const started = performance.now();
  psql(database, `\\copy transactions FROM '${transactionsCsv}' WITH (FORMAT csv, HEADER true)`);
  const elapsed = performance.now() - started;
  await recreateDatabase(database);
  return elapsed;
}

interface IngestRun {
  ms: number;
  /** Until uploadCsv returned (files stored, job queued). */
  uploadMs: number;
  stages: Array<{ stage: string; ms: number }>;
  status: string;
  files: Array<{ kind: string; insertedRows: number; updatedRows: number; unchangedRows: number; rejectedRows: number }>;
}

async function uploadAndWait(url: string, files = { users: usersCsv, transactions: transactionsCsv }, dryRun = false): Promise<IngestRun> {
  checkpoint();
  const started = performance.now();
  const response = await upload(
    { url },
    UploadCsvMutation,
    {
      users: { name: 'users.csv', data: await openAsBlob(files.users) },
      transactions: { name: 'transactions.csv', data: await openAsBlob(files.transactions) },
    },
    { dryRun },
  );
  const uploadMs = performance.now() - started;
  const id = response.data?.uploadCsv.id;
  if (!id) throw new Error(`upload failed: ${JSON.stringify(response.errors)}`);
  const finished = (await jobEnd(url, id)) !== null;
  const ms = performance.now() - started;
  const { data } = await request({ url }, JobQuery, { id, rejectedFirst: 1 });
  const job = data?.job;
  const last: IngestRun | undefined =
    finished && job ? { ms, uploadMs, stages: job.stageTimings, status: job.status, files: job.files } : undefined;
  if (!last || last.status.startsWith('COMPLETED') === false) throw new Error(`job ended ${last?.status}`);
  return last;
}

async function ourIngest() {
  const database = 'bi_bench_ingest';
  await recreateDatabase(database);
  const databaseUrl = benchDatabaseUrl(database);
  await migrate(databaseUrl);
  const port = await freePort();
  const env = { DATABASE_URL: databaseUrl, PORT: String(port), REDIS_PREFIX: `bench_${Date.now()}` };
  const api = spawnEntry('src/main.ts', env);
  const worker = spawnEntry('worker/main.ts', env);
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok, 30_000, 'the API');
    const first = await uploadAndWait(url);
    const again = await uploadAndWait(url);
    const reread = await uploadAndWait(url, { users: rereadUsersCsv, transactions: rereadTransactionsCsv });
    const dryReread = await uploadAndWait(url, { users: dryUsersCsv, transactions: dryTransactionsCsv }, true);
    // A dry run of the first load, on tables as empty as the first load's (after it, so
    // the rolled-back rows' dead tuples cannot slow the measured real runs).
    psql(database, `DO $$ BEGIN EXECUTE (SELECT 'TRUNCATE ' || string_agg(quote_ident(tablename), ', ') FROM pg_tables
      WHERE schemaname = current_schema()
        AND tablename NOT IN ('_prisma_migrations', 'ingest_jobs', 'job_files', 'upload_chunks', 'rejected_rows')); END $$`);
    const dryFirst = await uploadAndWait(url, undefined, true);
    return { first, again, reread, dryFirst, dryReread, apiRss: await peakRssMb(api.pid!), workerRss: await peakRssMb(worker.pid!) };
  } finally {
    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await recreateDatabase(database);
  }
}

if (!existsSync(transactionsCsv)) {
  console.log(`generating ${TRANSACTIONS} transactions into ${path.relative(ROOT, dataDir)} …`);
  execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'scripts/generate-sample.ts'), '--users', String(USERS), '--transactions',
      String(TRANSACTIONS), '--days', String(DAYS), '--seed', '1', '--out', dataDir],
    { stdio: 'inherit', cwd: ROOT },
  );
}
for (const [from, to, blankLines] of [
  [usersCsv, rereadUsersCsv, '\n'],
  [transactionsCsv, rereadTransactionsCsv, '\n'],
  [usersCsv, dryUsersCsv, '\n\n'],
  [transactionsCsv, dryTransactionsCsv, '\n\n'],
] as const) {
  if (!existsSync(to)) {
    await copyFile(from, to);
    await appendFile(to, blankLines);
  }
}
const size = (await stat(transactionsCsv)).size;
console.log('reference: psql \\copy …');
const reference = await referenceCopy();
console.log(`R = ${seconds(reference)} s; our ingest …`);
const ours = await ourIngest();
const ratio = (ms: number) => (ms / reference).toFixed(2);
const breakdown = (run: IngestRun) =>
  [`upload ${seconds(run.uploadMs)} s`, ...run.stages.map((s) => `${s.stage.toLowerCase()} ${seconds(s.ms)} s`)].join(', ');
const counts = (run: IngestRun) => {
  const file = run.files.find((f) => f.kind === 'TRANSACTIONS');
  return file ? `${file.insertedRows} / ${file.updatedRows} / ${file.unchangedRows} / ${file.rejectedRows}` : '—';
};
const body = `
Machine: ${machine()}
Command: \`npm run bench:ingest -- --transactions ${TRANSACTIONS} --users ${USERS} --days ${DAYS}\`
Data: ${TRANSACTIONS.toLocaleString('en')} transactions (${(size / 2 ** 20).toFixed(0)} MiB), ${USERS} users, ${DAYS} days; run ${new Date().toISOString()}

| run | time | × R | where the time went | transactions inserted / updated / unchanged / rejected |
|---|---|---|---|---|
| R: \`psql \\copy\` into UUID PK + FK + 2 indexes | ${seconds(reference)} s | 1.00 | — | — |
| ours, end to end (upload → COMPLETED, aggregates ready) | ${seconds(ours.first.ms)} s | ${ratio(ours.first.ms)} | ${breakdown(ours.first)} | ${counts(ours.first)} |
| ours, unchanged re-upload: identical files (outcome carried over from the first job) | ${seconds(ours.again.ms)} s | ${ratio(ours.again.ms)} | ${breakdown(ours.again)} | ${counts(ours.again)} |
| ours, unchanged re-upload: the same rows in other bytes (every row read and compared) | ${seconds(ours.reread.ms)} s | ${ratio(ours.reread.ms)} | ${breakdown(ours.reread)} | ${counts(ours.reread)} |
| ours, dry run of the first load (empty tables; counted, nothing written) | ${seconds(ours.dryFirst.ms)} s | ${ratio(ours.dryFirst.ms)} | ${breakdown(ours.dryFirst)} | ${counts(ours.dryFirst)} |
| ours, dry run of the same rows in other bytes (every row read and compared, nothing written) | ${seconds(ours.dryReread.ms)} s | ${ratio(ours.dryReread.ms)} | ${breakdown(ours.dryReread)} | ${counts(ours.dryReread)} |

Peak RSS: API ${ours.apiRss} MB, worker ${ours.workerRss} MB (VmHWM over the five runs).
Targets: end to end ≤ 1.5 R, re-upload ≤ 0.5 R, worker ≤ 250 MB, API ≤ 200 MB.

Each run starts after a CHECKPOINT and waits on the progress subscription. A dry run takes
the real run's path inside one transaction that is rolled back (docs/ARCHITECTURE.md), so it
should cost what the matching real run costs, less the aggregates stage. R itself moves
with the machine (10.1–24.3 s across days), so compare ratios within one run.

Where the TRANSACTIONS stage goes (first load, measured in-process with CPU clocks and
--cpu-prof): the worker is busy ~5–7 s of a 10–15 s stage (it was ~11 s of ~13 s before
the byte path): checking and packing canonical lines ~2 s, binary COPY encoding ~1.5 s,
GC ~1 s, reading the upload ~0.5 s. PostgreSQL alone loads the 1M rows as binary COPY in
5.5–6.1 s (8.7–10.0 s as text; 5.1 s as text without any index: the random-UUID primary
key is the costly part). What moved it: quote-free canonical lines checked and packed as
bytes (no strings, no per-row objects), binary COPY, pooled packing and COPY buffers (67 →
42 full collections per million rows), parsing that yields to the event loop every 1024
records so PostgreSQL's replies are not kept waiting, rows encoded for binary COPY while
they are parsed ahead and a chunk's COPY data assembled before its COPY starts, three
round trips fewer per chunk. PostgreSQL's backend still idles about
a third of the stage between chunks (round trips, the worker classifying the next chunk): overlapping
that is the next step (and COPYing each chunk in key order: ~18 % less COPY time with
psql, not yet visible through our pipeline on this noisy machine). Earlier: COPY straight into the
table while no key exists (no probe), binary reads of the upload, lz4 for upload_chunks.
Tried without gain: deeper read-ahead, 5k-record chunks, bigger semi-spaces, prefetching
upload rows, two write sessions. The same rows in other bytes cost one primary-key probe
per row in PostgreSQL on top of the same parsing.
`;
console.log(body);
// The issue's 1M-row run is "Ingest"; other sizes (the 1 GiB memory check) get a section of their own.
await writeResultsSection(TRANSACTIONS === 1_000_000 ? 'Ingest' : `Large ingest: ${TRANSACTIONS} transactions`, body);
process.exit(0);
