// Fuzzing the multipart framing of a real API process (src/main.ts, spawned): seeded random
// file names with control and non-ASCII bytes, random part headers, broken or missing
// boundaries, truncated bodies, oversized fields, wrong map/operations JSON and abrupt
// closes, over raw sockets. After every batch the process must be alive and ready; no
// answer may be a 5xx other than the upload cap's 503; at the end no partial upload is
// left. A failure names its seed and case: FUZZ_SEED=<seed> reproduces the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiProc } from '../helpers/processes.js';
import { Rng } from '../helpers/random.js';
import { openRawPost, type RawResponse } from '../helpers/raw-http.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const ADMIN = 'fuzz-admin-6b0e2d';
const VIEWER = 'fuzz-viewer-1c9f4a';
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const CASES = 300;
const BATCH = 10;
const MAX_UPLOAD_BYTES = 4096;

let db: TestDatabase;
let api: ApiProc;
let url: string;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase('multipart_fuzz');
  api = await startApi(db, {
    HOST: '127.0.0.1',
    AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer`,
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    UPLOAD_RATE_LIMIT: '100000',
    UPLOAD_IDLE_TIMEOUT_SECONDS: '1',
    MAX_CONCURRENT_UPLOADS: String(BATCH),
  });
  base = api.base;
  url = `${base}/graphql`;
});

afterAll(async () => {
  await api?.kill9();
  await db?.drop();
});

// ---------------------------------------------------------------- case generator

const BOUNDARY = 'fz0Boundary';

function randomBytes(rng: Rng, length: number, alphabet: 'any' | 'name'): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    const kind = rng.int(0, 9);
    if (alphabet === 'any' || kind < 2) bytes[i] = rng.int(0, 255);
    else if (kind < 4) bytes[i] = rng.pick([0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1b, 0x7f, 0x22, 0x5c, 0x3b, 0x2f]);
    else bytes[i] = rng.int(0x20, 0x7e);
  }
  return bytes;
}

const OPERATIONS = [
  () => JSON.stringify({ query: 'mutation ($u: File) { uploadCsv(users: $u) { id } }', variables: { u: null } }),
  () =>
    JSON.stringify({
      query: 'mutation ($u: File, $t: File) { uploadCsv(users: $u, transactions: $t) { id } }',
      variables: { u: null, t: null },
    }),
  () => JSON.stringify({ query: '{ jobs(first: 1) { edges { cursor } } }' }),
  () => '{"query": "mutation { uploadCsv { id } }"',
  () => '[]',
  () => '"just a string"',
  () => JSON.stringify({ query: 'mutation ($u: File) { uploadCsv(users: $u) { id } }', variables: 'nope' }),
  () => JSON.stringify({ query: `mutation { uploadCsv { id } } # ${'x'.repeat(70 * 1024)}` }),
];

const MAPS = [
  '{"0":["variables.u"]}',
  '{"0":["variables.u"],"1":["variables.t"]}',
  '{"0":["variables.u","variables.t"]}',
  '{"0":["variables.t"],"1":["variables.u"]}',
  '{"0":"variables.u"}',
  '{"0":[""]}',
  '{"0":["variables.u.deep.path"]}',
  '{"0":["__proto__.polluted"]}',
  '{',
  '[]',
  '{"0":["variables.u"],"1":["variables.t"],"2":["variables.x"]}',
];

const CSV = 'User_ID,User_Name,Region,Is_Active_Sub\n00000000-0000-4000-8000-000000000001,Ada,EU,true\n';

interface FuzzCase {
  label: string;
  headers: Record<string, string>;
  body: Buffer;
  contentLength: number | null;
  abortAfter?: number;
}

function part(headers: Array<string | Buffer>, body: Buffer | string, boundary: string): Buffer {
  const head = Buffer.concat([Buffer.from(`--${boundary}\r\n`), ...headers.flatMap((h) => [Buffer.from(h as string, 'latin1'), Buffer.from('\r\n')])]);
  return Buffer.concat([head, Buffer.from('\r\n'), Buffer.from(body), Buffer.from('\r\n')]);
}

function makeCase(rng: Rng, index: number): FuzzCase {
  const labels: string[] = [];
  const boundary = rng.chance(0.9) ? BOUNDARY : rng.pick(['other', '', 'x'.repeat(80), BOUNDARY.slice(1)]);
  const headerBoundary = rng.chance(0.9) ? BOUNDARY : rng.pick(['', 'wrong', '"quoted"', BOUNDARY + ';x=1']);
  if (boundary !== BOUNDARY || headerBoundary !== BOUNDARY) labels.push('boundary');

  const pieces: Buffer[] = [];
  if (rng.chance(0.1)) pieces.push(randomBytes(rng, rng.int(1, 40), 'any')); // preamble
  const operations = rng.chance(0.7) ? OPERATIONS[rng.int(0, 1)]!() : rng.pick(OPERATIONS)();
  const map = rng.chance(0.6) ? MAPS[0]! : rng.pick(MAPS);
  const order = rng.chance(0.9) ? ['operations', 'map'] : ['map', 'operations'];
  for (const name of order) {
    if (rng.chance(0.05)) continue; // a field left out
    pieces.push(part([`Content-Disposition: form-data; name="${name}"`], name === 'operations' ? operations : map, boundary));
  }
  const files = rng.int(0, 3);
  for (let f = 0; f < files; f++) {
    const name = rng.chance(0.6) ? randomBytes(rng, rng.int(0, 24), 'name') : Buffer.from(rng.pick(['u.csv', '../../etc/passwd', '', 'ü.csv']));
    const headers: Array<string | Buffer> = [
      Buffer.concat([Buffer.from(`Content-Disposition: form-data; name="${rng.pick(['0', '1', '2', 'x'])}"; filename="`), name, Buffer.from('"')]),
    ];
    if (rng.chance(0.5)) headers.push(`Content-Type: ${rng.pick(['text/csv', 'application/octet-stream', '', 'text/csv; charset=utf-16'])}`);
    if (rng.chance(0.3)) headers.push(Buffer.concat([randomBytes(rng, rng.int(1, 12), 'name'), Buffer.from(': '), randomBytes(rng, rng.int(0, 30), 'name')]));
    const content = rng.chance(0.15) ? Buffer.alloc(MAX_UPLOAD_BYTES + rng.int(1, 3000), 0x61) : Buffer.from(rng.chance(0.7) ? CSV : randomBytes(rng, rng.int(0, 300), 'any'));
    if (content.length > MAX_UPLOAD_BYTES) labels.push('oversized');
    pieces.push(part(headers, content, boundary));
  }
  if (rng.chance(0.85)) pieces.push(Buffer.from(`--${boundary}--\r\n`));
  else labels.push('no-final-boundary');
  let body = Buffer.concat(pieces);

  let contentLength: number | null = body.length;
  let abortAfter: number | undefined;
  const framing = rng.int(0, 9);
  if (framing === 0) {
    // Truncated, but the declared length promises more: the idle timeout ends it.
    contentLength = body.length;
    body = body.subarray(0, rng.int(0, body.length));
    labels.push('truncated');
  } else if (framing === 1) {
    contentLength = rng.int(0, body.length);
    labels.push('short-length');
  } else if (framing === 2) {
    abortAfter = rng.int(0, body.length);
    labels.push('abort');
  } else if (framing === 3) {
    contentLength = null; // no length, no chunking: an empty body to HTTP
    labels.push('no-length');
  }

  const token = rng.chance(0.85) ? ADMIN : rng.pick([VIEWER, 'bogus', '']);
  if (token !== ADMIN) labels.push(`token:${token || 'none'}`);
  const headers: Record<string, string> = {
    'Content-Type': rng.chance(0.95)
      ? `multipart/form-data; boundary=${headerBoundary}`
      : rng.pick(['multipart/form-data', 'multipart/form-data;', 'multipart/mixed; boundary=x', 'MULTIPART/FORM-DATA; BOUNDARY=' + BOUNDARY]),
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (rng.chance(0.95)) headers['x-graphql-yoga-csrf'] = '1';
  else labels.push('no-csrf');
  return { label: `#${index} ${labels.join(',') || 'plain'}`, headers, body, contentLength, abortAfter };
}

// ---------------------------------------------------------------- the run

function send(fuzz: FuzzCase): Promise<RawResponse> {
  const request = openRawPost(url, {
    headers: fuzz.headers,
    body: fuzz.body,
    contentLength: fuzz.contentLength,
    abortAfter: fuzz.abortAfter,
    timeoutMs: 30_000,
  });
  return request.response;
}

describe(`multipart fuzz (seed ${SEED}, ${CASES} cases)`, () => {
  it('the API survives every case, stays ready, answers no 5xx but the upload cap, and leaves no partial upload', async () => {
    const rng = new Rng(SEED);
    const cases = Array.from({ length: CASES }, (_, i) => makeCase(rng, i));
    const statuses = new Map<number, number>();
    for (let at = 0; at < cases.length; at += BATCH) {
      const batch = cases.slice(at, at + BATCH);
      const responses = await Promise.all(batch.map(send));
      responses.forEach((response, i) => {
        const fuzz = batch[i]!;
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const context = `seed ${SEED} case ${fuzz.label}: ${response.status} ${response.body.slice(0, 300)}\nsent: ${JSON.stringify(fuzz.body.toString('latin1').slice(0, 800))}`;
        if (fuzz.abortAfter === undefined) expect(response.status, context).toBeGreaterThanOrEqual(200);
        expect(response.status === 503 || response.status < 500, context).toBe(true);
        expect(response.body, context + api.output().slice(-3000)).not.toMatch(/INTERNAL_SERVER_ERROR|\n\s+at /);
      });
      expect(api.alive(), `API exited after batch at ${at}:\n${api.output()}`).toBe(true);
      expect((await fetch(`${base}/ready`, { signal: AbortSignal.timeout(10_000) })).status, `batch at ${at}`).toBe(200);
    }
    console.info(`multipart fuzz seed ${SEED}: statuses ${JSON.stringify(Object.fromEntries(statuses))}`);

    // Aborted uploads are cleaned up as their sockets close; give the last ones a moment.
    let partial = -1;
    for (let i = 0; i < 50 && partial !== 0; i++) {
      const { rows } = await db.pool.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM ingest_jobs WHERE upload_lease_until IS NOT NULL)::int
              + (SELECT count(*) FROM job_files WHERE sha256 = '')::int AS n`,
      );
      partial = rows[0]!.n;
      if (partial) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(partial).toBe(0);
    expect(api.output()).not.toMatch(/Unhandled|uncaught/i);
  });
});
