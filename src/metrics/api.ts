// Prometheus metrics of an API process, on a registry of its own (one per buildApp):
//   graphql_envelop_* / graphql_yoga_http_duration  per-operation latency, counts, errors
//                                                   (@graphql-yoga/plugin-prometheus)
//   bi_graphql_active_subscriptions                 open subscriptions (WebSocket and SSE)
//   bi_ingest_queue_jobs{state}                     BullMQ job counts, read on each scrape
//   bi_upload_bytes_total                           multipart bytes received
//   process_* / nodejs_*                            prom-client default metrics
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../infra/logger.js';

/** BullMQ job states (a paused queue keeps its jobs in `waiting`). */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

const OPERATION_DURATION_BUCKETS: [number, ...number[]] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ApiMetrics {
  registry: Registry;
  /** Yoga plugins: operation metrics and the active-subscription gauge. */
  plugins: Plugin[];
  uploadBytes: Counter;
}

export function createApiMetrics(queue: Queue, log: Logger): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const uploadBytes = new Counter({
    name: 'bi_upload_bytes_total',
    help: 'Bytes of multipart upload requests received',
    registers: [registry],
  });
  const activeSubscriptions = new Gauge({
    name: 'bi_graphql_active_subscriptions',
    help: 'GraphQL subscriptions currently open on this process',
    registers: [registry],
  });
  new Gauge({
    name: 'bi_ingest_queue_jobs',
    help: 'Jobs in the ingest queue by state (read from Redis at scrape time)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      try {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      } catch (error) {
        // Redis unreachable: keep the scrape working; /ready reports the outage.
        log.warn({ err: error }, 'queue metrics unavailable');
      }
    },
  });

  const countSubscriptions: Plugin = {
    onSubscribe() {
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in Object(result))) return;
          activeSubscriptions.inc();
          return { onEnd: () => activeSubscriptions.dec() };
        },
      };
    },
  };

  const operations = usePrometheus({
    registry,
    endpoint: false,
    metrics: {
      graphql_envelop_request: true,
      graphql_envelop_request_duration: OPERATION_DURATION_BUCKETS,
      graphql_envelop_error_result: true,
      graphql_envelop_phase_validate: true,
      graphql_envelop_phase_execute: true,
      graphql_envelop_phase_subscribe: true,
      graphql_yoga_http_duration: OPERATION_DURATION_BUCKETS,
    },
    // Field-level labels would multiply series per field; operation name/type suffice.
    labels: { fieldName: false, typeName: false, path: false, url: false },
  });

  return { registry, plugins: [operations, countSubscriptions], uploadBytes };
}
