// A worker-like process for the cross-instance test: drives one job through its stages
// with the real ProgressReporter, publishing as the worker does, then exits.
// Usage: node --import tsx progress-publisher-process.ts <jobId>   (env DATABASE_URL, REDIS_URL, REDIS_PREFIX)
import { Redis } from 'ioredis';
import { createDatabase } from '../../src/infra/db.js';
import { logger } from '../../src/infra/logger.js';
import { createPubSub } from '../../src/infra/pubsub.js';
import { JobDriver } from './progress-driver.js';

const jobId = process.argv[2];
const { DATABASE_URL, REDIS_URL, REDIS_PREFIX } = process.env;
if (!jobId || !DATABASE_URL || !REDIS_URL || !REDIS_PREFIX) throw new Error('usage: <jobId> with DATABASE_URL, REDIS_URL, REDIS_PREFIX');

const db = createDatabase(DATABASE_URL, { max: 2 });
const redis = new Redis(REDIS_URL);
const pubsub = createPubSub({ publisher: redis, prefix: REDIS_PREFIX, log: logger });
const driver = new JobDriver(db.pool, pubsub, jobId);

await driver.setStatus('RUNNING');
await driver.stage('USERS');
await driver.flow(2_000, 100, 4, 400);
await driver.stage('TRANSACTIONS');
await driver.flow(30_000, 100, 30, 1_500);
await driver.stage('AGGREGATES');
await driver.setStatus('COMPLETED');
pubsub.close();
await redis.quit();
await db.close();
