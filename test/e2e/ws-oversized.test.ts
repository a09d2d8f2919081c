// An oversized WebSocket frame against a real API process: the socket is closed with
// 1009, the process logs one structured line (no stack trace on its output) and keeps
// serving HTTP and other WebSocket clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_OPERATION_BODY_BYTES } from '../../src/http/body-limit.js';
import { startApi, type ApiProc } from '../helpers/processes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
let api: ApiProc;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase('ws_oversized');
  api = await startApi(db, { LOG_LEVEL: 'info' });
  base = api.base;
});
afterAll(async () => {
  await api?.kill9();
  await db?.drop();
});

async function connect(): Promise<WebSocket> {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return socket;
}

const closed = (socket: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));

describe('oversized WebSocket frame', () => {
  it('closes the socket with 1009, logs one structured line, no stack trace, the process serving', async () => {
    const socket = await connect();
    const done = closed(socket);
    socket.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(MAX_OPERATION_BODY_BYTES + 1024) } }));
    expect((await done).code).toBe(1009);

    // The log line is written when the error is handled; give the pipe a moment.
    const deadline = Date.now() + 5_000;
    while (!api.output().includes('protocol error') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = api.output().split('\n').filter((line) => line.includes('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') || /Max payload/i.test(line));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', msg: 'WebSocket connection closed on a protocol error' });
    expect(api.output()).not.toMatch(/\n\s+at /);
    expect(api.output()).not.toMatch(/"stack"/);
    expect(api.output()).not.toMatch(/Internal error emitted/);

    expect(api.alive()).toBe(true);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const other = await connect();
    other.send(JSON.stringify({ type: 'connection_init' }));
    const ack = await new Promise<string>((resolve) => other.once('message', (data) => resolve(String(data))));
    expect(JSON.parse(ack)).toEqual({ type: 'connection_ack' });
    other.close();
  });
});
