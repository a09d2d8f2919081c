// An oversized WebSocket frame against a real API process: the socket is closed with
// 1009, the process logs one structured line (no stack trace on its output) and keeps
// serving HTTP and other WebSocket clients.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_OPERATION_BODY_BYTES } from '../../src/http/body-limit.js';
import { freePort } from '../helpers/ports.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

let db: TestDatabase;
let api: ReturnType<typeof spawn>;
let output = '';
let base: string;

beforeAll(async () => {
  db = await createTestDatabase('ws_oversized');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  api = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', DATABASE_URL: db.url, REDIS_URL: db.redisUrl, REDIS_PREFIX: db.redisPrefix, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout!.on('data', (data: Buffer) => (output += data.toString()));
  api.stderr!.on('data', (data: Buffer) => (output += data.toString()));
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`${base}/health`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || api.exitCode !== null) throw new Error(`API did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});
afterAll(async () => {
  if (api && api.exitCode === null) {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
  }
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
    while (!output.includes('protocol error') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = output.split('\n').filter((line) => line.includes('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') || /Max payload/i.test(line));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', msg: 'WebSocket connection closed on a protocol error' });
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).not.toMatch(/"stack"/);
    expect(output).not.toMatch(/Internal error emitted/);

    expect(api.exitCode).toBeNull();
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const other = await connect();
    other.send(JSON.stringify({ type: 'connection_init' }));
    const ack = await new Promise<string>((resolve) => other.once('message', (data) => resolve(String(data))));
    expect(JSON.parse(ack)).toEqual({ type: 'connection_ack' });
    other.close();
  });
});
