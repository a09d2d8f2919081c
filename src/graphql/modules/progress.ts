// Live progress: Subscription.jobProgress (one job, first event = current state, completes
// after a terminal status) and Subscription.jobUpdated (any job's status or stage changed).
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { jobIdArgument, JobRef, JobStageEnum, JobStatusEnum } from './jobs.js';
import type { JobChangedEvent, JobProgressEvent } from '../../progress/events.js';
import { followJobChanges, followJobProgress, type ProgressSubscribeDeps } from '../../progress/subscribe.js';

const JobProgressRef = builder.objectRef<JobProgressEvent>('JobProgress').implement({
  description: 'A snapshot of a job while it runs. Row counts are Floats: they can exceed 2^31.',
  fields: (t) => ({
    jobId: t.exposeID('jobId'),
    status: t.expose('status', { type: JobStatusEnum }),
    stage: t.expose('stage', { type: JobStageEnum, nullable: true }),
    processedRows: t.exposeFloat('processedRows', { description: 'Rows read so far, over all files of the job.' }),
    totalRows: t.exposeFloat('totalRows', { nullable: true, description: 'Rows in all files of the job; null until known (percent then follows bytes read).' }),
    processedBytes: t.exposeFloat('processedBytes'),
    totalBytes: t.exposeFloat('totalBytes'),
    percent: t.exposeFloat('percent', { description: 'Whole job, 0–100; never decreases within a subscription.' }),
    rowsPerSecond: t.exposeFloat('rowsPerSecond'),
    etaSeconds: t.exposeFloat('etaSeconds', { nullable: true, description: 'Seconds until the files are read at the current rate; null when unknown.' }),
    rejectedRows: t.exposeFloat('rejectedRows'),
    sequence: t.exposeInt('sequence', { description: 'Monotonic per job: drop an event whose sequence is not above the last one seen.' }),
    updatedAt: t.field({ type: 'DateTime', resolve: (event) => new Date(event.updatedAt) }),
    publishedAt: t.field({ type: 'DateTime', description: 'When the event was produced.', resolve: (event) => new Date(event.publishedAt) }),
  }),
});

const JobUpdateRef = builder.objectRef<JobChangedEvent>('JobUpdate').implement({
  description: "A job's status or stage changed.",
  fields: (t) => ({
    jobId: t.exposeID('jobId'),
    status: t.expose('status', { type: JobStatusEnum }),
    stage: t.expose('stage', { type: JobStageEnum, nullable: true }),
    job: t.prismaField({
      type: JobRef,
      nullable: true,
      resolve: (query, event, _args, ctx) => ctx.db.prisma.ingestJob.findUnique({ ...query, where: { id: event.jobId } }),
    }),
  }),
});

const subscribeDeps = (ctx: GraphQLContext): ProgressSubscribeDeps => ({
  pool: ctx.db.pool,
  redis: ctx.redis,
  redisSubscriber: ctx.redisSubscriber,
  prefix: ctx.env.REDIS_PREFIX,
});

builder.subscriptionFields((t) => ({
  jobProgress: t.field({
    type: JobProgressRef,
    description: "A job's progress: the current state first, then live updates; completes after a terminal status.",
    args: { jobId: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => followJobProgress(subscribeDeps(ctx), jobIdArgument(args.jobId)),
    resolve: (event) => event,
  }),
  jobUpdated: t.field({
    type: JobUpdateRef,
    description: "Fires when any job's status or stage changes, so job lists refresh without polling.",
    subscribe: (_root, _args, ctx) => followJobChanges(subscribeDeps(ctx)),
    resolve: (event) => event,
  }),
}));
