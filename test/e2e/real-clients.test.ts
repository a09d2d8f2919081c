// The API as frontends meet it: Apollo Client 4 (apollo-upload-client, GraphQLWsLink,
// InMemoryCache) and urql 6 (@urql/core, graphcache, graphql-ws), set up exactly as the
// README shows (src/client/examples, included there verbatim), against a real server and a
// real worker. Uploads with live progress to completion, jobUpdated, the dashboard through
// both normalized caches (no clobbering, no warnings), auth failures as each client
// surfaces them, and persisted-operations mode.
import '../helpers/apollo-dev.js';
import { randomUUID } from 'node:crypto';
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ApolloClient, TypedDocumentNode } from '@apollo/client';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev';
import type { Client as UrqlClient } from '@urql/core';
import { getNamedType, getNullableType, isListType, isObjectType, parse, type DocumentNode, type GraphQLObjectType } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApolloClient, typePolicies } from '../../src/client/examples/apollo.js';
import { createUrqlClient, keys } from '../../src/client/examples/urql.js';
import type { TypedDocumentString } from '../../src/client/generated/graphql.js';
import { DashboardFiltersQuery, DashboardQuery } from '../../src/client/operations/dashboard.js';
import { CancelJobMutation, JobQuery, UploadCsvMutation } from '../../src/client/operations/jobs.js';
import { JobProgressSubscription, JobUpdatedSubscription } from '../../src/client/operations/progress.js';
import { schema } from '../../src/graphql/schema.js';
import { loadPersistedDocuments } from '../../src/http/persisted-operations.js';
import { READING_SHARE } from '../../src/progress/events.js';
import { generateSample } from '../../scripts/generate-sample.js';
import { ROOT, startWorker, type Proc } from '../helpers/processes.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

loadDevMessages();
loadErrorMessages();

const ADMIN = 'rc-admin-6a1f0e93';
const VIEWER = 'rc-viewer-2b7d54c8';
let t: TestApp;
let worker: Proc;
let dir: string;

// ------------------------------------------------------------------ what the clients say

/** Everything either client (or anything else) prints as a warning or error. */
const printed: string[] = [];
const consoleWarn = console.warn;
const consoleError = console.error;

/** Every HTTP exchange the clients make: its status, or the network error fetch threw. */
const exchanges: Array<{ status?: number; error?: string }> = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  console.warn = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
  console.error = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
  globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
    try {
      const response = await realFetch(...args);
      exchanges.push({ status: response.status });
      return response;
    } catch (error) {
      exchanges.push({ error: String((error as { cause?: { code?: string } }).cause?.code ?? error) });
      throw error;
    }
  };
  dir = await mkdtemp(path.join(os.tmpdir(), 'bi-real-clients-'));
  await generateSample({ users: 300, transactions: 40_000, days: 40, seed: 14, dirty: 0.005, out: dir });
  t = await startTestApp('real_clients', { AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer`, UPLOAD_RATE_LIMIT: '1000' });
  worker = startWorker(t.db);
});

afterAll(async () => {
  console.warn = consoleWarn;
  console.error = consoleError;
  globalThis.fetch = realFetch;
  await worker?.kill9();
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  // Apollo's "Cache data may be lost", graphcache's "Invalid key", a missing field: none.
  expect(printed.splice(0)).toEqual([]);
});

// ------------------------------------------------------------------ helpers

const apolloFor = (token?: string, persistedDocuments?: Record<string, string>, url = t.url) =>
  createApolloClient({ url, token, webSocketImpl: WebSocket, persistedDocuments });
const urqlFor = (token?: string, persistedDocuments?: Record<string, string>, url = t.url) =>
  createUrqlClient({ url, token, webSocketImpl: WebSocket, persistedDocuments });

/** Our generated operations are strings (codegen documentMode 'string'); Apollo takes a parsed document. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the variables are checked by the server, not here
type Variables = Record<string, any>;
const doc = <R, V>(document: TypedDocumentString<R, V>) => parse(document.toString()) as unknown as TypedDocumentNode<R, Variables>;

type ProgressEvent = { jobProgress: Record<string, unknown> & { status: string; stage: string | null; percent: number; sequence: number } };

/** Collects an Apollo subscription's data until it completes; rejects on an error. */
function apolloEvents<R>(client: ApolloClient, query: TypedDocumentNode<R, Variables>, variables: Variables, until?: (data: R[]) => boolean) {
  const events: R[] = [];
  const done = new Promise<R[]>((resolve, reject) => {
    const subscription = client.subscribe({ query, variables }).subscribe({
      next: (result) => {
        if (result.error) return reject(result.error);
        events.push(result.data as R);
        if (until?.(events)) {
          subscription.unsubscribe();
          resolve(events);
        }
      },
      error: reject,
      complete: () => resolve(events),
    });
  });
  return { events, done };
}

const TERMINAL = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'];
const sampleFile = (name: string) => readFile(path.join(dir, name));

/** The progress rules a progress bar relies on (README "Live progress"). */
function expectTrustworthyProgress(events: ProgressEvent['jobProgress'][], files: Array<{ totalRows: number }>) {
  const counted = files.reduce((sum, file) => sum + file.totalRows, 0);
  expect(events.length).toBeGreaterThan(2);
  for (const [i, event] of events.entries()) {
    if (i > 0) {
      expect(event.sequence).toBeGreaterThan(events[i - 1]!.sequence);
      expect(event.percent).toBeGreaterThanOrEqual(events[i - 1]!.percent);
    }
    const totalRows = event.totalRows as number | null;
    const processedRows = event.processedRows as number;
    // From the first event on (QUEUED included) the job's size is known, flagged while estimated.
    expect(totalRows).not.toBeNull();
    expect(Math.abs(totalRows! - counted) / counted).toBeLessThan(0.01);
    if (event.status === 'RUNNING' && (event.stage === 'USERS' || event.stage === 'TRANSACTIONS')) {
      expect(event.percent).toBeCloseTo(READING_SHARE * Math.min(1, processedRows / totalRows!), 1);
    }
    if (event.stage === 'AGGREGATES') {
      expect(event).toMatchObject({ totalRowsEstimated: false, totalRows: counted, processedRows: counted });
      expect(event.percent).toBeGreaterThanOrEqual(READING_SHARE);
      expect(event.percent).toBeLessThan(100);
    }
  }
  // The bar moves while rows are read, not only at the stage changes.
  expect(events.some((e) => e.stage === 'TRANSACTIONS' && e.percent > 5 && e.percent < READING_SHARE)).toBe(true);
  expect(events.at(-1)).toMatchObject({ totalRowsEstimated: false, totalRows: counted, processedRows: counted, percent: 100 });
  expect(TERMINAL).toContain(events.at(-1)!.status);
}

// ------------------------------------------------------------------ the suite

let jobId: string;

describe('an upload followed live, as a frontend does it', () => {
  it('Apollo: uploads a nameless Blob and a File, gets the QUEUED job, follows jobProgress to the end; jobUpdated keeps the cached job current', async () => {
    const apollo = apolloFor(ADMIN);
    const updates = apolloEvents(apollo, doc(JobUpdatedSubscription), {}, (data) =>
      data.some((d) => d.jobUpdated.jobId === jobId && TERMINAL.includes(d.jobUpdated.status)),
    );
    await expect.poll(async () => (await t.services.redis.pubsub('NUMSUB', `${t.config.redis.prefix}:jobs-changed`))[1]).toBe(1);

    const uploaded = await apollo.mutate({
      mutation: doc(UploadCsvMutation),
      variables: {
        users: new Blob([await sampleFile('users.csv')], { type: 'text/csv' }),
        transactions: new File([await sampleFile('transactions.csv')], 'transactions-2026-01.csv', { type: 'text/csv' }),
      },
    });
    const job = uploaded.data!.uploadCsv;
    jobId = job.id;
    // The job as created (SPEC): QUEUED, not yet started, files stored with their names.
    expect(job).toMatchObject({ status: 'QUEUED', stage: null, startedAt: null, finishedAt: null });
    expect(job.files.map((f) => [f.kind, f.name])).toEqual([
      ['USERS', 'users.csv'], // a Blob has no name: "blob" in the part, users.csv on the job
      ['TRANSACTIONS', 'transactions-2026-01.csv'],
    ]);

    const progress = apolloEvents(apollo, doc(JobProgressSubscription), { jobId });
    const events = (await progress.done).map((data) => data.jobProgress);
    const finished = await apollo.query({ query: doc(JobQuery), variables: { id: jobId, rejectedFirst: 50 }, fetchPolicy: 'network-only' });
    expectTrustworthyProgress(events as ProgressEvent['jobProgress'][], finished.data!.job!.files);
    expect(finished.data!.job!.status).toBe('COMPLETED_WITH_ERRORS');

    // jobUpdated: each update's status and stage are its job's, from one moment.
    const mine = (await updates.done).map((d) => d.jobUpdated).filter((u) => u.jobId === jobId);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const update of mine) expect(update.job).toMatchObject({ id: jobId, status: update.status, stage: update.stage });
    // The updates went into the normalized cache: the Job entity is current without a refetch.
    const cached = apollo.cache.readFragment({
      id: apollo.cache.identify({ __typename: 'Job', id: jobId }),
      fragment: parse('fragment Status on Job { status finishedAt }'),
    });
    expect(cached).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', finishedAt: expect.any(String) });
  });

  it('urql: uploads with a client-provided file name and follows jobProgress over graphql-ws to the end', async () => {
    const urql = urqlFor(ADMIN);
    const users = ['User_ID,User_Name,Region,Is_Active_Sub', `${randomUUID()},New Colleague,EU,true`, `${randomUUID()},Another One,US,false`, ''].join('\n');
    const uploaded = await urql
      .mutation(UploadCsvMutation.toString(), { users: new Blob([users]), usersFileName: 'team-users.csv' })
      .toPromise();
    expect(uploaded.error).toBeUndefined();
    const job = uploaded.data!.uploadCsv as { id: string; status: string; files: Array<{ name: string }> };
    expect(job).toMatchObject({ status: 'QUEUED', files: [{ name: 'team-users.csv' }] });
    const events: Array<{ status: string; percent: number; sequence: number }> = [];
    await new Promise<void>((resolve, reject) => {
      urql.subscription(JobProgressSubscription.toString(), { jobId: job.id }).subscribe((result) => {
        if (result.error) return reject(result.error);
        events.push(result.data!.jobProgress);
        if (TERMINAL.includes(result.data!.jobProgress.status)) resolve();
      });
    });
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', percent: 100, totalRowsEstimated: false });
    for (let i = 1; i < events.length; i++) expect(events[i]!.sequence).toBeGreaterThan(events[i - 1]!.sequence);
  });
});

// ------------------------------------------------------------------ normalized caches

/** The same filter spelled differently shares one Dashboard; other filters have their own. */
const FILTERS: Record<'all' | 'euUs' | 'usEuRepeated' | 'euUsDaily' | 'window', Variables> = {
  all: {},
  euUs: { filter: { regions: ['EU', 'US'] }, granularity: 'WEEK', limit: 5 },
  usEuRepeated: { filter: { regions: ['US', 'EU', 'US'], companies: [] }, granularity: 'WEEK', limit: 5 },
  euUsDaily: { filter: { regions: ['EU', 'US'] }, granularity: 'DAY', limit: 3 },
  window: { filter: { from: '2026-01-05', to: '2026-01-25' }, granularity: 'MONTH', limit: 10 },
};

// Two queries selecting different fields of the same embedded Kpis: Apollo needs `merge: true`.
const KpisCostQuery = parse(
  'query KpisCost($filter: DashboardFilter) { dashboard(filter: $filter) { id kpis { totalCost conversations } } }',
);
const KpisTokensQuery = parse(
  'query KpisTokens($filter: DashboardFilter) { dashboard(filter: $filter) { id kpis { totalTokens activeDays } meta { asOf } } }',
);

describe('the dashboard through normalized caches', () => {
  const queries = (): Array<{ query: string | DocumentNode; variables: Variables }> => [
    { query: DashboardFiltersQuery.toString(), variables: {} },
    ...Object.values(FILTERS).map((variables) => ({ query: DashboardQuery.toString(), variables })),
    ...[FILTERS.euUs, FILTERS.window].flatMap(({ filter }) => [
      { query: KpisCostQuery, variables: { filter } },
      { query: KpisTokensQuery, variables: { filter } },
    ]),
    { query: JobQuery.toString(), variables: { id: jobId, rejectedFirst: 20 } },
  ];

  it('Apollo InMemoryCache with the README typePolicies: every query reads back from the cache as the server sent it', async () => {
    const apollo = apolloFor(VIEWER);
    const fromServer = [];
    for (const { query, variables } of queries()) {
      const document = typeof query === 'string' ? parse(query) : query;
      const { data } = await apollo.query({ query: document, variables, fetchPolicy: 'network-only' });
      fromServer.push(data);
    }
    const dashboards = fromServer.slice(1, 6) as Array<{ dashboard: { id: string } }>;
    expect(dashboards[1]!.dashboard.id).toBe(dashboards[2]!.dashboard.id); // order, repeats, empty lists
    expect(dashboards[1]!.dashboard.id).toBe(dashboards[3]!.dashboard.id); // same filter, other arguments
    expect(new Set(dashboards.map((d) => d.dashboard.id)).size).toBe(3);
    expect((fromServer[0] as { dashboard: { id: string } }).dashboard.id).toBe(dashboards[0]!.dashboard.id);
    // Nothing written later clobbered anything written earlier.
    for (const [i, { query, variables }] of queries().entries()) {
      const document = typeof query === 'string' ? parse(query) : query;
      const { data } = await apollo.query({ query: document, variables, fetchPolicy: 'cache-only' });
      expect(data, `query ${i}`).toEqual(fromServer[i]);
    }
    expect(apollo.cache.identify({ __typename: 'Dashboard', id: dashboards[1]!.dashboard.id })).toBeTruthy();
  });

  it('urql graphcache with the README keys: the same, and no "Invalid key" warning', async () => {
    const urql = urqlFor(VIEWER);
    const fromServer = [];
    for (const { query, variables } of queries()) {
      const result = await urql.query(query, variables, { requestPolicy: 'network-only' }).toPromise();
      expect(result.error).toBeUndefined();
      fromServer.push(result.data);
    }
    for (const [i, { query, variables }] of queries().entries()) {
      const result = await urql.query(query, variables, { requestPolicy: 'cache-only' }).toPromise();
      expect(result.stale).toBeFalsy();
      expect(result.data, `query ${i}`).toEqual(fromServer[i]);
    }
  });

  it('the cache configs name every type without an id, and nothing else', () => {
    const types = Object.values(schema.getTypeMap()).filter(
      (type): type is GraphQLObjectType =>
        isObjectType(type) && !type.name.startsWith('__') && !['Query', 'Mutation', 'Subscription'].includes(type.name),
    );
    // graphcache skips its warning for connections, edges and PageInfo by itself.
    const valueTypes = types
      .filter((type) => !type.getFields().id && !/^PageInfo$|(Connection|Edge)$/.test(type.name))
      .map((type) => type.name)
      .sort();
    expect(Object.keys(keys).sort()).toEqual(valueTypes);
    // Apollo: a value reached through a single (not list) field of an entity is merged, and
    // an entity's lists are replaced: otherwise two selections of it lose each other's fields.
    for (const entity of types.filter((type) => type.getFields().id && ['Dashboard', 'Job'].includes(type.name))) {
      const walk = (type: GraphQLObjectType, seen: Set<string>) => {
        for (const field of Object.values(type.getFields())) {
          const named = getNamedType(field.type);
          if (isListType(getNullableType(field.type))) {
            if (type === entity) expect(typePolicies[entity.name]?.fields?.[field.name], `${type.name}.${field.name}`).toEqual({ merge: false });
            continue;
          }
          if (!isObjectType(named) || named.getFields().id || /(Connection|Edge)$/.test(named.name) || seen.has(named.name)) continue;
          expect(typePolicies[named.name], named.name).toEqual({ merge: true });
          walk(named, new Set([...seen, named.name]));
        }
      };
      walk(entity, new Set());
    }
  });
});

// ------------------------------------------------------------------ auth failures

describe('auth failures as the clients surface them', () => {
  const upload = () => ({ users: new Blob(['User_ID,User_Name,Region,Is_Active_Sub\n']) });

  it('Apollo: no token → UNAUTHENTICATED (401), viewer mutation or upload → FORBIDDEN (403), ten times in a row on keep-alive sockets, no ECONNRESET', async () => {
    for (const [token, code, status] of [
      [undefined, 'UNAUTHENTICATED', 401],
      ['not-a-token', 'UNAUTHENTICATED', 401],
      [VIEWER, 'FORBIDDEN', 403],
    ] as const) {
      const apollo = apolloFor(token);
      exchanges.length = 0;
      for (let i = 0; i < 10; i++) {
        const error = await apollo.mutate({ mutation: doc(UploadCsvMutation), variables: upload() }).then(() => null, (e: unknown) => e);
        expect((error as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code).toBe(code);
      }
      const refused = await apollo.mutate({ mutation: doc(CancelJobMutation), variables: { id: jobId } }).then(() => null, (e: unknown) => e);
      expect((refused as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code).toBe(code);
      expect(exchanges).toEqual(Array(11).fill({ status }));
    }
  });

  it('urql: the same codes, with the HTTP status on error.response', async () => {
    for (const [token, code, status] of [
      [undefined, 'UNAUTHENTICATED', 401],
      [VIEWER, 'FORBIDDEN', 403],
    ] as const) {
      const urql = urqlFor(token);
      exchanges.length = 0;
      for (let i = 0; i < 10; i++) {
        const { error } = await urql.mutation(UploadCsvMutation.toString(), upload()).toPromise();
        expect(error?.graphQLErrors[0]?.extensions.code).toBe(code);
        expect((error?.response as Response).status).toBe(status);
      }
      expect(exchanges).toEqual(Array(10).fill({ status }));
    }
  });

  it('a wrong token on the WebSocket surfaces within 1 s (close 4401, not retried) in both clients', async () => {
    const started = Date.now();
    const apolloError = await new Promise<unknown>((resolve) => {
      apolloFor('not-a-token')
        .subscribe({ query: doc(JobProgressSubscription), variables: { jobId } })
        .subscribe({ next: (result) => resolve(result.error), error: resolve });
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(String((apolloError as Error).message)).toMatch(/4401 Unauthorized.*authorization/);

    const urqlStarted = Date.now();
    const urqlError = await new Promise<{ networkError?: unknown }>((resolve) => {
      urqlFor('not-a-token')
        .subscription(JobProgressSubscription.toString(), { jobId })
        .subscribe((result) => result.error && resolve(result.error));
    });
    expect(Date.now() - urqlStarted).toBeLessThan(1_000);
    expect(urqlError.networkError).toMatchObject({ code: 4401, reason: expect.stringMatching(/authorization/) });
  });
});

// ------------------------------------------------------------------ persisted operations

describe('PERSISTED_OPERATIONS_ONLY', () => {
  let persisted: TestApp;
  const documents = Object.fromEntries(loadPersistedDocuments());
  beforeAll(async () => {
    persisted = await startTestApp('real_clients_po', { PERSISTED_OPERATIONS_ONLY: 'true', AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer` }, t.db);
  });
  afterAll(() => persisted?.close());

  it('Apollo, as a viewer: the dashboard and a subscription run by hash; an operation not in the list is refused', async () => {
    const apollo = apolloFor(VIEWER, documents, persisted.url);
    const { data } = await apollo.query({ query: doc(DashboardQuery), variables: FILTERS.euUs });
    expect(data!.dashboard.kpis.totalCost).toBeGreaterThan(0);
    const events = await apolloEvents(apollo, doc(JobProgressSubscription), { jobId }).done;
    expect(events.map((e) => e.jobProgress.status)).toEqual(['COMPLETED_WITH_ERRORS']);
    await expect(apollo.query({ query: KpisCostQuery, variables: {} })).rejects.toThrow(/is not persisted/);
  });

  it('urql, as a viewer: the same by hash over fetch and graphql-ws', async () => {
    const urql = urqlFor(VIEWER, documents, persisted.url);
    const result = await urql.query(DashboardQuery.toString(), FILTERS.window).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data!.dashboard.id).toEqual(expect.any(String));
    const status = await new Promise<string>((resolve, reject) => {
      urql.subscription(JobProgressSubscription.toString(), { jobId }).subscribe((r) => (r.error ? reject(r.error) : resolve(r.data!.jobProgress.status)));
    });
    expect(status).toBe('COMPLETED_WITH_ERRORS');
  });
});

// ------------------------------------------------------------------ the README shows these files

describe('README client setups', () => {
  it('are the files this suite runs, verbatim', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    for (const file of ['src/client/examples/apollo.ts', 'src/client/examples/urql.ts']) {
      const source = await readFile(path.join(ROOT, file), 'utf8');
      const block = new RegExp(`<!-- file: ${file} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme);
      expect(block, `README has no block for ${file}`).not.toBeNull();
      expect(block![1], `README's copy of ${file} differs: paste the file again`).toBe(source);
    }
  });
});
