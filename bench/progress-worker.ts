// The ingest pipeline of worker/main.ts for one job, publishing progress as the worker does,
// without the queue, so bench:progress can read what publishing cost. Prints one JSON line.
// Usage: node --import tsx bench/progress-worker.ts <jobId>   (env DATABASE_URL, REDIS_URL, REDIS_PREFIX)
import { Redis } from 'ioredis';
import { createDatabase } from '../src/infra/db.js';
import { logger } from '../src/infra/logger.js';
import { createPubSub } from '../src/infra/pubsub.js';
import { jobProgressEventSchema } from '../src/progress/events.js';
import { readProgressEvent } from '../src/progress/job-row.js';
import { publishProgress } from '../src/progress/publisher.js';
import { runJob } from '../worker/pipeline/run-job.js';

const jobId = process.argv[2];
const { DATABASE_URL, REDIS_URL = 'redis://127.0.0.1:6379', REDIS_PREFIX } = process.env;
if (!jobId || !DATABASE_URL || !REDIS_PREFIX) throw new Error('usage: progress-worker.ts <jobId> with DATABASE_URL and REDIS_PREFIX');

const db = createDatabase(DATABASE_URL, { max: 6 });
const redis = new Redis(REDIS_URL);
const pubsub = createPubSub({ publisher: redis, prefix: REDIS_PREFIX, log: logger });
// calls: events the reporter handed over (each one progress write); busyMs: wall time from
// handing one over to Redis's reply, which includes waiting for the busy event loop.
const stats = { calls: 0, published: 0, busyMs: 0 };
const started = performance.now();
const result = await runJob(
  {
    pool: db.pool,
    publish: async (event, changed) => {
      stats.calls++;
      const at = performance.now();
      try {
        await publishProgress(pubsub, event, changed);
        stats.published++;
      } finally {
        stats.busyMs += performance.now() - at;
      }
    },
  },
  jobId,
  { finalAttempt: true },
);
const ms = performance.now() - started;
// What one publish costs on an idle process: an event serialized and published, 200 times,
// on a channel nobody listens to. (The pipeline's events come back from the progress write
// itself: no read of the row is part of publishing any more.)
const samples = 200;
const event = await readProgressEvent(db.pool, jobId);
const idleChannel = { name: `${REDIS_PREFIX}:bench-idle`, schema: jobProgressEventSchema };
const idleStarted = performance.now();
for (let i = 0; i < samples; i++) await pubsub.publish(idleChannel, event!);
const idleMsPerPublish = (performance.now() - idleStarted) / samples;
process.stdout.write(`${JSON.stringify({ ms, status: result.status, idleMsPerPublish, ...stats })}\n`);
pubsub.close();
redis.disconnect();
await db.close();
