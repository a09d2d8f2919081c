// Live progress: Subscription.jobProgress (one job, first event = current state, completes
// after a terminal status) and Subscription.jobUpdated (any job's status or stage changed).
import { queryFromInfo } from '@pothos/plugin-prisma';
import { builder, EMBEDDED } from '../builder.js';
import type { IngestJob } from '../../generated/prisma/client.js';
import type { JobStage, JobStatus } from '../../generated/prisma/enums.js';
import { jobIdArgument, JobRef, JobStageEnum, JobStatusEnum } from './jobs.js';
import { READING_SHARE, type JobProgressEvent } from '../../progress/events.js';
import { followJobProgress } from '../../progress/subscribe.js';

const JobProgressRef = builder.objectRef<JobProgressEvent>('JobProgress').implement({
  description: `A snapshot of a job while it runs. ${EMBEDDED}`,
  fields: (t) => ({
    jobId: t.exposeID('jobId'),
    status: t.expose('status', { type: JobStatusEnum }),
    stage: t.expose('stage', { type: JobStageEnum, nullable: true }),
    processedRows: t.exposeFloat('processedRows', { description: 'Rows read so far, over all files of the job.' }),
    totalRows: t.exposeFloat('totalRows', {
      nullable: true,
      description:
        'Data records in all files of the job, from the first event on: counted in the uploaded bytes while totalRowsEstimated ' +
        'is true, counted by the worker once it has read every file. Null only for jobs uploaded before this was counted.',
    }),
    totalRowsEstimated: t.exposeBoolean('totalRowsEstimated', {
      description:
        'true while totalRows is the upload\'s count of line breaks outside quotes (exact for well-formed CSV); ' +
        'false once the worker has read every file and counted its records.',
    }),
    processedBytes: t.exposeFloat('processedBytes'),
    totalBytes: t.exposeFloat('totalBytes'),
    percent: t.exposeFloat('percent', {
      description:
        `Whole job, 0–100, never decreasing within a subscription: ${READING_SHARE} × records read / totalRows while the files ` +
        `are read, then ${READING_SHARE} + ${100 - READING_SHARE} × the share of the aggregates refresh done (below 100 until the job completes).`,
    }),
    rowsPerSecond: t.exposeFloat('rowsPerSecond'),
    etaSeconds: t.exposeFloat('etaSeconds', { nullable: true, description: 'Seconds until the files are read at the current rate; null when unknown.' }),
    rejectedRows: t.exposeFloat('rejectedRows'),
    sequence: t.exposeFloat('sequence', { description: 'Monotonic per job: drop an event whose sequence is not above the last one seen.' }),
    updatedAt: t.field({ type: 'DateTime', resolve: (event) => new Date(event.updatedAt) }),
    publishedAt: t.field({ type: 'DateTime', description: 'When the event was produced.', resolve: (event) => new Date(event.publishedAt) }),
  }),
});

/** A jobUpdated event as delivered: status, stage and job read together, at delivery. */
interface JobUpdate {
  jobId: string;
  status: JobStatus;
  stage: JobStage | null;
  sequence: number;
  job: IngestJob | null;
}

const JobUpdateRef = builder.objectRef<JobUpdate>('JobUpdate').implement({
  description: `A job's status or stage changed. status, stage, sequence and job are read together when the event is delivered, so they always agree. ${EMBEDDED}`,
  fields: (t) => ({
    jobId: t.exposeID('jobId'),
    status: t.expose('status', { type: JobStatusEnum }),
    stage: t.expose('stage', { type: JobStageEnum, nullable: true }),
    sequence: t.exposeFloat('sequence', { description: "The job's JobProgress.sequence at that moment." }),
    job: t.field({ type: JobRef, nullable: true, description: 'The job as it is at that moment.', resolve: (update) => update.job }),
  }),
});

builder.subscriptionFields((t) => ({
  jobProgress: t.field({
    type: JobProgressRef,
    description: "A job's progress: the current state first, then live updates; completes after a terminal status.",
    args: { jobId: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => followJobProgress({ pool: ctx.db.pool, pubsub: ctx.pubsub }, jobIdArgument(args.jobId)),
    resolve: (event) => event,
  }),
  jobUpdated: t.field({
    type: JobUpdateRef,
    description: "Fires when any job's status or stage changes, so job lists refresh without polling.",
    subscribe: (_root, _args, ctx) => ctx.pubsub.stream(ctx.pubsub.topics.jobsChanged()),
    // One read per delivery, with what the client selected under `job`: the event says a
    // job changed; what it changed to is read now, once, for every field of the update.
    resolve: async (event, _args, ctx, info): Promise<JobUpdate> => {
      const query = await queryFromInfo({ context: ctx, info, path: ['job'], awaitSelections: true });
      const job = await ctx.db.prisma.ingestJob.findFirst({ ...query, where: { id: event.jobId, uploadLeaseUntil: null } });
      if (!job) return { ...event, job: null };
      return { jobId: event.jobId, status: job.status, stage: job.stage, sequence: job.progressSeq, job };
    },
  }),
}));
