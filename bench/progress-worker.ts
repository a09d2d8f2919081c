// The ingest pipeline and progress publisher of worker/main.ts for one job, without the
// queue, so bench:progress can read what publishing cost. Prints one JSON line.
// Usage: node --import tsx bench/progress-worker.ts <jobId>   (env DATABASE_URL, REDIS_URL, REDIS_PREFIX)
import { Redis } from 'ioredis';
import { createDatabase } from '../src/infra/db.js';
import { readJobProgressRow } from '../src/progress/job-row.js';
import { createProgressPublisher } from '../src/progress/publisher.js';
import { runJob } from '../worker/pipeline/run-job.js';

const jobId = process.argv[2];
const { DATABASE_URL, REDIS_URL = 'redis://127.0.0.1:6379', REDIS_PREFIX } = process.env;
if (!jobId || !DATABASE_URL || !REDIS_PREFIX) throw new Error('usage: progress-worker.ts <jobId> with DATABASE_URL and REDIS_PREFIX');

const db = createDatabase(DATABASE_URL, { max: 6 });
const redis = new Redis(REDIS_URL);
const publisher = createProgressPublisher({ pool: db.pool, redis, prefix: REDIS_PREFIX });
const started = performance.now();
const result = await runJob({ pool: db.pool, publish: (id) => publisher.publish(id) }, jobId, { finalAttempt: true });
await publisher.flush();
const ms = performance.now() - started;
// What one publish costs on an idle process: the same row read and Redis publish, 200 times.
const samples = 200;
const idleStarted = performance.now();
for (let i = 0; i < samples; i++) {
  const row = await readJobProgressRow(db.pool, jobId);
  await redis.publish(`${REDIS_PREFIX}:bench-idle`, JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value)));
}
const idleMsPerPublish = (performance.now() - idleStarted) / samples;
process.stdout.write(`${JSON.stringify({ ms, status: result.status, idleMsPerPublish, ...publisher.stats() })}\n`);
redis.disconnect();
await db.close();
