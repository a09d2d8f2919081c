// Prometheus metrics of a worker process, served on WORKER_METRICS_PORT by a tiny HTTP
// server of its own (pull, like the API; nothing goes through Redis). The worker calls
// the record functions; one registry per process.
//   bi_ingest_rows_total{file,outcome}        inserted | updated | unchanged | rejected (not a dry run's)
//   bi_ingest_stage_duration_seconds{stage}   USERS | TRANSACTIONS | AGGREGATES
//   bi_ingest_rows_per_second{stage}          rows/s of the file stages running now (USERS | TRANSACTIONS)
//   bi_ingest_jobs_finished_total{status}     COMPLETED | COMPLETED_WITH_ERRORS | FAILED | CANCELLED
//   process_* / nodejs_*                      prom-client default metrics
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { FileKind, JobStage, JobStatus } from '../generated/prisma/enums.js';
import { createTokenVerifier } from '../auth/tokens.js';

export type RowOutcome = 'inserted' | 'updated' | 'unchanged' | 'rejected';

/** Longer than a chunk commit without a progress write (the reporter writes every 250 ms while bytes are read). */
const READING_RATE_TTL_MS = 10_000;

const STAGE_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly rows = new Counter({
    name: 'bi_ingest_rows_total',
    help: 'CSV rows processed by outcome',
    labelNames: ['file', 'outcome'],
    registers: [this.registry],
  });
  private readonly stageDuration = new Histogram({
    name: 'bi_ingest_stage_duration_seconds',
    help: 'Wall time of one job stage',
    labelNames: ['stage'],
    buckets: STAGE_DURATION_BUCKETS,
    registers: [this.registry],
  });
  /** Per running job: the rows/s of its file stage, from its progress reporter's last write. */
  private readonly readingRates = new Map<string, { stage: JobStage; rowsPerSecond: number; at: number }>();
  private readonly rowsPerSecond = new Gauge({
    name: 'bi_ingest_rows_per_second',
    help: 'Rows per second read by the jobs running on this worker, per file stage (the rate of their progress events, summed)',
    labelNames: ['stage'],
    registers: [this.registry],
    collect: () => this.collectRowsPerSecond(),
  });
  private readonly jobsFinished = new Counter({
    name: 'bi_ingest_jobs_finished_total',
    help: 'Jobs that reached a terminal state on this worker',
    labelNames: ['status'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Adds the counts of one committed chunk (or a whole file). */
  recordRows(file: FileKind, counts: Partial<Record<RowOutcome, number>>): void {
    for (const [outcome, value] of Object.entries(counts)) {
      if (value) this.rows.inc({ file, outcome }, value);
    }
  }

  /** A finished stage: its wall time. */
  recordStage(stage: JobStage, seconds: number): void {
    this.stageDuration.observe({ stage }, seconds);
  }

  /** A job's current rows/s while it reads a file (`stage`); null when it no longer does. */
  recordRowsPerSecond(jobId: string, stage: JobStage | null, rowsPerSecond: number, now = Date.now()): void {
    if (stage) this.readingRates.set(jobId, { stage, rowsPerSecond, at: now });
    else this.readingRates.delete(jobId);
  }

  /**
   * The sum per stage at scrape time. A job that stopped reporting (a run that died on an
   * error BullMQ retries, with no final event) drops out after READING_RATE_TTL_MS.
   */
  private collectRowsPerSecond(now = Date.now()): void {
    this.rowsPerSecond.reset();
    for (const [jobId, { stage, rowsPerSecond, at }] of this.readingRates) {
      if (now - at > READING_RATE_TTL_MS) this.readingRates.delete(jobId);
      else this.rowsPerSecond.inc({ stage }, rowsPerSecond);
    }
  }

  recordJobFinished(status: JobStatus): void {
    this.jobsFinished.inc({ status });
  }
}

/** The worker process's metrics. */
export const workerMetrics = new WorkerMetrics();

export interface MetricsServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * GET /metrics on `port` (0 = any free port). Same rules as the API: admin token
 * required when AUTH_TOKENS is set, otherwise it listens on 127.0.0.1 only.
 */
export async function startWorkerMetricsServer(
  config: Pick<Config, 'auth' | 'http'>,
  port: number,
  metrics: WorkerMetrics = workerMetrics,
): Promise<MetricsServer> {
  const verifier = createTokenVerifier(config.auth.tokens);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const role = verifier.roleOf(req.headers.authorization);
    if (role !== 'admin') {
      res.writeHead(role === null ? 401 : 403, role === null ? { 'WWW-Authenticate': 'Bearer' } : {}).end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  const host = config.http.host ?? (verifier.enabled ? '0.0.0.0' : '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
