// The API's queue producer fails fast when Redis goes away: an upload then gets an error
// instead of hanging (only workers use maxRetriesPerRequest: null). Redis is reached
// through a TCP relay the test can cut, so the shared Redis is never touched.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createServices } from '../../src/services.js';
import { enqueueIngest } from '../../src/queue/ingest-queue.js';
import { REDIS_URL } from '../helpers/env.js';

interface Relay {
  url: string;
  /** Closes every relayed connection and refuses new ones. */
  cut(): Promise<void>;
}

async function startRelay(target: URL): Promise<Relay> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

describe('queue producer', () => {
  let relay: Relay;
  let services: ReturnType<typeof createServices>;

  beforeAll(async () => {
    relay = await startRelay(new URL(REDIS_URL));
    services = createServices(parseConfig({ NODE_ENV: 'test', REDIS_URL: relay.url, REDIS_PREFIX: `producer_${process.pid}` }));
  });
  afterAll(async () => {
    await services.ingestQueue.obliterate({ force: true }).catch(() => undefined);
    await services.close();
  });

  it('enqueues while Redis is there, and rejects within seconds once it is gone', async () => {
    const jobId = '00000000-0000-4000-8000-000000000001';
    await enqueueIngest(services.ingestQueue, jobId);
    expect(await services.ingestQueue.getJob(jobId)).toBeDefined();
    await services.ingestQueue.obliterate({ force: true });

    await relay.cut();
    const started = Date.now();
    await expect(enqueueIngest(services.ingestQueue, '00000000-0000-4000-8000-000000000002')).rejects.toThrow();
    // maxRetriesPerRequest: 3 reconnection attempts (ioredis backs off 50, 100, 150 ms).
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
