// Auth (SPEC §6): {no token, bad token, viewer, admin} × every root operation, over HTTP
// and over graphql-ws, against a real server. Each cell asserts the exact outcome.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTokenVerifier, bearerToken } from '../../src/auth/tokens.js';
import { schema } from '../../src/graphql/schema.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ADMIN = 'adm-7f3c9a1e5b2d4f60';
const VIEWER = 'vwr-2b8e6d4c0a9f1e37';
const CREDENTIALS = { none: undefined, bad: 'adm-7f3c9a1e5b2d4f6X', viewer: VIEWER, admin: ADMIN } as const;
type Credential = keyof typeof CREDENTIALS;

let t: TestApp;
let queuedJobId: string;

beforeAll(async () => {
  t = await startTestApp('auth', { AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer` });
  queuedJobId = randomUUID();
  await t.db.pool.query(`INSERT INTO ingest_jobs (id, status, updated_at) VALUES ($1, 'QUEUED', now())`, [queuedJobId]);
});
afterAll(() => t?.close());

const authHeader = (who: Credential): Record<string, string> =>
  CREDENTIALS[who] ? { authorization: `Bearer ${CREDENTIALS[who]}` } : {};

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

// ---------------------------------------------------------------- operations under test

const hasField = (type: 'Query' | 'Mutation' | 'Subscription', field: string) =>
  Boolean(schema.getType(type) && (schema.getType(type) as { getFields(): Record<string, unknown> }).getFields()[field]);

interface Operation {
  name: string;
  kind: 'query' | 'mutation' | 'subscription';
  query: string;
  variables?: () => Record<string, unknown>;
  /** For subscriptions without an initial event: makes one (called until one arrives). */
  trigger?: () => Promise<unknown>;
  /** What an authorised caller gets (admin; viewer too for queries and subscriptions). */
  allowed: (body: GraphQLBody, who: Credential) => void;
}

const ALL_OPERATIONS: Operation[] = [
  {
    name: 'jobs',
    kind: 'query',
    query: 'query Jobs { jobs(first: 5) { edges { node { id status } } } }',
    allowed: (body) => {
      expect(body.errors).toBeUndefined();
      expect(body.data?.jobs).toEqual({ edges: [{ node: { id: queuedJobId, status: 'QUEUED' } }] });
    },
  },
  {
    name: 'job',
    kind: 'query',
    query: 'query Job($id: ID!) { job(id: $id) { id status } }',
    variables: () => ({ id: queuedJobId }),
    allowed: (body) => expect(body).toEqual({ data: { job: { id: queuedJobId, status: 'QUEUED' } } }),
  },
  {
    name: 'dashboard',
    kind: 'query',
    query: 'query Dashboard { dashboard { regions } }',
    allowed: (body) => expect(body).toEqual({ data: { dashboard: { regions: [] } } }),
  },
  {
    name: 'cancelJob',
    kind: 'mutation',
    query: 'mutation Cancel($id: ID!) { cancelJob(id: $id) { id } }',
    variables: () => ({ id: randomUUID() }),
    allowed: (body) => expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']),
  },
  {
    name: 'retryJob',
    kind: 'mutation',
    query: 'mutation Retry($id: ID!) { retryJob(id: $id) { id } }',
    variables: () => ({ id: randomUUID() }),
    allowed: (body) => expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']),
  },
  {
    // Without files: the resolver's own BAD_USER_INPUT proves the call got past auth.
    name: 'uploadCsv',
    kind: 'mutation',
    query: 'mutation Upload { uploadCsv { id } }',
    allowed: (body) => expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']),
  },
  {
    name: 'jobProgress',
    kind: 'subscription',
    query: 'subscription Progress($id: ID!) { jobProgress(jobId: $id) { jobId status } }',
    variables: () => ({ id: queuedJobId }),
    allowed: (body) => expect(body).toEqual({ data: { jobProgress: { jobId: queuedJobId, status: 'QUEUED' } } }),
  },
  {
    name: 'jobUpdated',
    kind: 'subscription',
    query: 'subscription Updated { jobUpdated { jobId status } }',
    // The worker's wire format: a plain Redis publish on the jobs-changed channel.
    trigger: () =>
      t.services.redis.publish(
        `${t.config.redis.prefix}:jobs-changed`,
        JSON.stringify({ jobId: queuedJobId, status: 'RUNNING', stage: 'USERS', sequence: 1 }),
      ),
    // The update reads the job when it is delivered: it is still QUEUED whatever the notice said.
    allowed: (body) => expect(body).toEqual({ data: { jobUpdated: { jobId: queuedJobId, status: 'QUEUED' } } }),
  },
  {
    name: 'viewerRole',
    kind: 'query',
    query: 'query ViewerRole { viewerRole }',
    allowed: (body, who) => expect(body).toEqual({ data: { viewerRole: who === 'admin' ? 'ADMIN' : 'VIEWER' } }),
  },
  {
    name: 'budgets',
    kind: 'query',
    query: 'query Budgets { budgets { month spent } }',
    allowed: (body) => expect(body).toEqual({ data: { budgets: [] } }),
  },
  {
    name: 'budgetAlerts',
    kind: 'query',
    query: 'query BudgetAlerts { budgetAlerts(first: 5) { edges { node { id } } } }',
    allowed: (body) => expect(body).toEqual({ data: { budgetAlerts: { edges: [] } } }),
  },
  {
    name: 'setBudget',
    kind: 'mutation',
    query: 'mutation SetBudget { setBudget(input: { scope: { kind: REGION, value: "EU" }, monthlyLimit: 100 }) { scope { kind value } monthlyLimit } }',
    allowed: (body) => expect(body).toEqual({ data: { setBudget: { scope: { kind: 'REGION', value: 'EU' }, monthlyLimit: 100 } } }),
  },
  {
    name: 'deleteBudget',
    kind: 'mutation',
    query: 'mutation DeleteBudget($id: ID!) { deleteBudget(id: $id) }',
    variables: () => ({ id: randomUUID() }),
    allowed: (body) => expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']),
  },
  {
    name: 'budgetAlerts',
    kind: 'subscription',
    query: 'subscription Alerts { budgetAlerts { id month threshold } }',
    // The worker's wire format: a plain Redis publish on the budget-alerts channel.
    trigger: () => t.services.redis.publish(`${t.config.redis.prefix}:budget-alerts`, JSON.stringify(ALERT_EVENT)),
    allowed: (body) => expect(body).toEqual({ data: { budgetAlerts: { id: '7', month: '2025-01', threshold: 80 } } }),
  },
];

const ALERT_EVENT = {
  id: '7',
  budget: { id: randomUUID(), scope: { kind: 'ALL', value: null }, monthlyLimit: 100, thresholds: [50, 80, 100] },
  month: '2025-01',
  threshold: 80,
  spent: 85,
  percentUsed: 85,
  jobId: randomUUID(),
  createdAt: new Date().toISOString(),
};

/** The root fields of the schema as it stands (dashboard and jobProgress come from other modules). */
const OPERATIONS = ALL_OPERATIONS.filter((op) =>
  hasField(op.kind === 'query' ? 'Query' : op.kind === 'mutation' ? 'Mutation' : 'Subscription', op.name),
);

it('the matrix covers every root field of the schema', () => {
  const rootFields = (['Query', 'Mutation', 'Subscription'] as const).flatMap((type) =>
    Object.keys((schema.getType(type) as { getFields(): Record<string, unknown> } | undefined)?.getFields() ?? {}),
  );
  expect(OPERATIONS.map((op) => op.name).sort()).toEqual(rootFields.sort());
});

/** The exact outcome a caller gets: the body checks of `allowed`, or one error code. */
function expectedCode(who: Credential, op: Operation): 'UNAUTHENTICATED' | 'FORBIDDEN' | 'allowed' {
  if (who === 'none' || who === 'bad') return 'UNAUTHENTICATED';
  if (who === 'viewer' && op.kind === 'mutation') return 'FORBIDDEN';
  return 'allowed';
}

const HTTP_STATUS = { UNAUTHENTICATED: 401, FORBIDDEN: 403 } as const;

/** Calls `trigger` every 50 ms until the returned stop function is called. */
function repeat(trigger: (() => Promise<unknown>) | undefined): () => void {
  if (!trigger) return () => undefined;
  const timer = setInterval(() => void trigger(), 50);
  return () => clearInterval(timer);
}

// ---------------------------------------------------------------- HTTP

async function overHttp(who: Credential, op: Operation): Promise<{ status: number; body: GraphQLBody; headers: Headers }> {
  const subscription = op.kind === 'subscription';
  const controller = new AbortController();
  const response = await fetch(t.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: subscription ? 'text/event-stream' : 'application/graphql-response+json, application/json',
      ...authHeader(who),
    },
    body: JSON.stringify({ query: op.query, variables: op.variables?.() }),
    signal: controller.signal,
  });
  if (!subscription || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    return { status: response.status, body: (await response.json()) as GraphQLBody, headers: response.headers };
  }
  // Server-sent events: read until the first complete `next` event.
  const reader = response.body!.getReader();
  const stopTrigger = repeat(op.trigger);
  let text = '';
  try {
    while (!text.includes('event: next') || !/\n\n/.test(text.slice(text.indexOf('event: next')))) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  } finally {
    stopTrigger();
    controller.abort();
  }
  const data = /event: next\ndata: (.*)\n/.exec(text)?.[1];
  return { status: response.status, body: JSON.parse(data ?? '{}') as GraphQLBody, headers: response.headers };
}

describe('auth matrix over HTTP', () => {
  for (const who of Object.keys(CREDENTIALS) as Credential[]) {
    for (const op of OPERATIONS) {
      const expected = expectedCode(who, op);
      it(`${who} × ${op.name} → ${expected}`, async () => {
        const { status, body, headers } = await overHttp(who, op);
        if (expected === 'allowed') {
          op.allowed(body, who);
          expect(status).toBe(200);
          return;
        }
        expect(status).toBe(HTTP_STATUS[expected]);
        expect(body.data ?? null).toBeNull();
        expect(body.errors?.map((e) => e.extensions?.code)).toEqual([expected]);
        if (expected === 'UNAUTHENTICATED') expect(headers.get('www-authenticate')).toBe('Bearer');
      });
    }
  }

  it('a viewer upload is refused before any byte is stored', async () => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation ($u: File) { uploadCsv(users: $u) { id } }', variables: { u: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.u'] }));
    form.append('0', new Blob(['User_ID,User_Name,Region\n']), 'users.csv');
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'x-graphql-yoga-csrf': '1', ...authHeader('viewer') },
      body: form,
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as GraphQLBody).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { rows } = await t.db.pool.query<{ jobs: number; chunks: number }>(
      'SELECT (SELECT count(*) FROM ingest_jobs)::int AS jobs, (SELECT count(*) FROM upload_chunks)::int AS chunks',
    );
    expect(rows[0]).toEqual({ jobs: 1, chunks: 0 });
  });

  it('/health and /ready answer without a token', async () => {
    const base = t.url.replace('/graphql', '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  for (const path of ['/metrics', '/admin/queues', '/admin/queues/api/queues']) {
    it(`${path} is admin only: none 401, bad 401, viewer 403, admin 200`, async () => {
      const url = t.url.replace('/graphql', path);
      const statuses: Record<string, number> = {};
      for (const who of Object.keys(CREDENTIALS) as Credential[]) {
        statuses[who] = (await fetch(url, { headers: authHeader(who) })).status;
      }
      expect(statuses).toEqual({ none: 401, bad: 401, viewer: 403, admin: 200 });
    });
  }

  it('Bull Board also takes the admin token as a Basic password (browser login)', async () => {
    const url = t.url.replace('/graphql', '/admin/queues');
    const basic = (secret: string) => ({ authorization: `Basic ${Buffer.from(`ops:${secret}`).toString('base64')}` });
    expect((await fetch(url, { headers: basic(ADMIN) })).status).toBe(200);
    expect((await fetch(url, { headers: basic(VIEWER) })).status).toBe(403);
    const refused = await fetch(url, { headers: basic('wrong') });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/Basic/);
  });
});

// ---------------------------------------------------------------- WebSocket

interface WsMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

type WsConnection =
  | { accepted: true; socket: WebSocket; next(): Promise<WsMessage> }
  | { accepted: false; code: number; reason: string };

/** Opens a graphql-transport-ws connection and sends connection_init with `payload`. */
async function connectWs(payload: Record<string, unknown> | undefined): Promise<WsConnection> {
  const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const queue: WsMessage[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (data) => {
    queue.push(JSON.parse(String(data)) as WsMessage);
    wake?.();
  });
  const next = async (): Promise<WsMessage> => {
    while (!queue.length) await new Promise<void>((resolve) => (wake = resolve));
    return queue.shift()!;
  };
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) }));
  return new Promise<WsConnection>((resolve) => {
    socket.once('close', (code, reason) => resolve({ accepted: false, code, reason: String(reason) }));
    void next().then((message) => {
      expect(message.type).toBe('connection_ack');
      resolve({ accepted: true, socket, next });
    });
  });
}

/** Runs one operation; returns its first result (next) or its error payload. */
async function runWs(connection: Extract<WsConnection, { accepted: true }>, op: Operation): Promise<GraphQLBody> {
  const id = randomUUID();
  connection.socket.send(
    JSON.stringify({ id, type: 'subscribe', payload: { query: op.query, variables: op.variables?.() ?? {} } }),
  );
  const stopTrigger = repeat(op.trigger);
  const message = await connection.next().finally(stopTrigger);
  expect(message.id).toBe(id);
  if (message.type === 'error') return { errors: message.payload as GraphQLBody['errors'] };
  expect(message.type).toBe('next');
  if (op.kind === 'subscription') {
    connection.socket.send(JSON.stringify({ id, type: 'complete' }));
  } else {
    expect(await connection.next()).toEqual({ id, type: 'complete' });
  }
  return message.payload as GraphQLBody;
}

const initPayload = (who: Credential) =>
  CREDENTIALS[who] ? { authorization: `Bearer ${CREDENTIALS[who]}` } : undefined;

describe('auth matrix over graphql-ws', () => {
  for (const who of ['none', 'bad'] as const) {
    it(`${who}: connection_init is refused with close 4401 (saying what to send) before any operation`, async () => {
      const connection = await connectWs(initPayload(who));
      expect(connection).toEqual({
        accepted: false,
        code: 4401,
        reason: 'Unauthorized: missing or invalid token; send {"authorization":"Bearer <token>"} as the connection_init payload',
      });
    });
  }

  it('a graphql-ws client with its default retries surfaces a wrong token at once (4401 is not retried)', async () => {
    let attempts = 0;
    const client = createClient({
      url: t.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${CREDENTIALS.bad}` },
      on: { connecting: () => void attempts++ },
    });
    try {
      const outcome = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: '{ __typename }' }, { next: () => undefined, error: resolve, complete: () => resolve('completed') });
      });
      expect(outcome).toMatchObject({ code: 4401 });
      expect(attempts).toBe(1);
    } finally {
      await client.dispose();
    }
  });

  for (const who of ['viewer', 'admin'] as const) {
    describe(who, () => {
      let connection: Extract<WsConnection, { accepted: true }>;
      beforeAll(async () => {
        const opened = await connectWs(initPayload(who));
        if (!opened.accepted) throw new Error(`connection refused: ${opened.code}`);
        connection = opened;
      });
      afterAll(() => connection?.socket.close());

      for (const op of OPERATIONS) {
        const expected = expectedCode(who, op);
        it(`${who} × ${op.name} → ${expected}`, async () => {
          const body = await runWs(connection, op);
          if (expected === 'allowed') {
            op.allowed(body, who);
          } else {
            expect(body.data ?? null).toBeNull();
            expect(body.errors?.map((e) => e.extensions)).toEqual([{ code: expected }]);
          }
        });
      }
    });
  }

  it('takes the token from a capitalised Authorization key too', async () => {
    const connection = await connectWs({ Authorization: `Bearer ${VIEWER}` });
    expect(connection.accepted).toBe(true);
    if (connection.accepted) connection.socket.close();
  });
});

// ---------------------------------------------------------------- token verification

describe('token verification', () => {
  const verifier = createTokenVerifier(
    new Map([
      [ADMIN, 'admin'],
      [VIEWER, 'viewer'],
    ]),
  );

  it('grants the configured role for an exact Bearer token (scheme case-insensitive)', () => {
    expect(verifier.roleOf(`Bearer ${ADMIN}`)).toBe('admin');
    expect(verifier.roleOf(`bearer ${VIEWER}`)).toBe('viewer');
  });

  it('refuses prefixes, extensions, other schemes and missing tokens', () => {
    for (const header of [
      `Bearer ${ADMIN.slice(0, -1)}`,
      `Bearer ${ADMIN}0`,
      `Bearer ${ADMIN.toUpperCase()}`,
      `Basic ${ADMIN}`,
      ADMIN,
      'Bearer',
      'Bearer ',
      `Bearer ${ADMIN} extra`,
      '',
      null,
      undefined,
    ]) {
      expect(verifier.roleOf(header), String(header)).toBeNull();
    }
  });

  it('auth off (no tokens): everyone is admin', () => {
    const off = createTokenVerifier(new Map());
    expect(off.enabled).toBe(false);
    expect(off.roleOf(undefined)).toBe('admin');
  });

  it('parses the Bearer header strictly', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Bearer  abc ')).toBe('abc');
    expect(bearerToken('Token abc')).toBeNull();
  });
});
