// Mutations that start and steer ingestion: uploadCsv, cancelJob, retryJob.
import type { IncomingMessage } from 'node:http';
import type { FileUpload } from 'graphql-upload-minimal';
import { builder } from '../builder.js';
import type { IngestJob } from '../../generated/prisma/client.js';
import { jobIdArgument, JobRef } from './jobs.js';
import { badInput, DomainError } from '../../errors.js';
import { discardUnusedUploads, uploadFailure } from '../../http/uploads.js';
import { cancelJob, createUploadJob, retryJob } from '../../jobs/service.js';
import { publishJobState } from '../../progress/publisher.js';
import type { GraphQLContext } from '../context.js';

const serviceDeps = (ctx: GraphQLContext) => ({
  pool: ctx.db.pool,
  queue: ctx.ingestQueue,
  maxUploadBytes: ctx.config.uploads.maxBytes,
});

/** Tells subscribers (jobUpdated, jobProgress) that a job changed. */
async function announce(ctx: GraphQLContext, id: string): Promise<void> {
  await publishJobState(ctx.db.pool, ctx.pubsub, id).catch((error: unknown) =>
    ctx.log.warn({ err: error, jobId: id }, 'could not publish a job change'));
}

/** Reads the job back for the response, after telling subscribers it changed. */
async function changedJob(ctx: GraphQLContext, query: object, id: string) {
  await announce(ctx, id);
  return ctx.db.prisma.ingestJob.findUniqueOrThrow({ ...query, where: { id } });
}

/**
 * The name a file is recorded under: the argument if given, else the part's filename. A Blob
 * appended to FormData without a name is sent as "blob": that says nothing, so the job
 * names it users.csv / transactions.csv (sanitizeFileName's default) instead.
 */
const fileName = (given: string | null | undefined, filename: string) => given ?? (filename === BLOB_NAME ? '' : filename);
const BLOB_NAME = 'blob';

/** A file part's bytes; a failure of the body (framing, stall, disconnect) becomes a client error. */
async function* clientBytes(stream: AsyncIterable<Buffer>, variable: string): AsyncGenerator<Buffer> {
  try {
    yield* stream;
  } catch (error) {
    throw uploadFailure(error, variable);
  }
}

builder.mutationFields((t) => ({
  uploadCsv: t.prismaField({
    type: JobRef,
    description:
      'Uploads users and/or transactions CSVs (GraphQL multipart request). Returns the job as created: QUEUED, before any worker has seen it.',
    args: {
      users: t.arg({ type: 'File' }),
      transactions: t.arg({ type: 'File' }),
      dryRun: t.arg.boolean({
        defaultValue: false,
        description:
          'Validate and count every row as a real run would (same rejections, inserted/updated/unchanged counts, progress), ' +
          'writing nothing outside the job itself: users, transactions and aggregates stay as they are.',
      }),
      usersFileName: t.arg.string({
        description: "The users file's name on the job (JobFile.name); default: the part's filename (a nameless Blob: users.csv).",
      }),
      transactionsFileName: t.arg.string({
        description: "The transactions file's name on the job; default: the part's filename (a nameless Blob: transactions.csv).",
      }),
    },
    resolve: async (query, _root, args, ctx) => {
      discardUnusedUploads((ctx as { req?: IncomingMessage }).req, [args.users, args.transactions]);
      // One file part mapped to both variables (the spec's "file deduplication") would be
      // read by two consumers at once; a job needs two different files anyway.
      if (args.users && args.users === args.transactions) {
        throw new DomainError('BAD_USER_INPUT', 'the same file cannot be both users and transactions', {
          argument: 'transactions',
          http: { status: 400 },
        });
      }
      const uploads: Array<{ kind: 'USERS' | 'TRANSACTIONS'; variable: string; upload: Promise<FileUpload>; name?: string | null }> = [];
      if (args.users) uploads.push({ kind: 'USERS', variable: 'users', upload: args.users, name: args.usersFileName });
      if (args.transactions) {
        uploads.push({ kind: 'TRANSACTIONS', variable: 'transactions', upload: args.transactions, name: args.transactionsFileName });
      }
      if (!uploads.length) throw badInput('uploadCsv needs at least one file: users or transactions', 'users');
      // Opened lazily: a part's promise resolves only after the previous part's bytes are read.
      const files = uploads.map(({ kind, variable, upload, name }) => ({
        kind,
        open: async () => {
          try {
            const file = await upload;
            // createReadStream throws when the part's stream failed before this call.
            return { name: fileName(name, file.filename), stream: clientBytes(file.createReadStream(), variable) };
          } catch (error) {
            throw uploadFailure(error, variable);
          }
        },
      }));
      // Read before it is queued: a worker may have started it by the time the response leaves.
      let created: IngestJob | undefined;
      const id = await createUploadJob(serviceDeps(ctx), files, {
        dryRun: args.dryRun ?? false,
        beforeQueue: async (jobId) => {
          created = await ctx.db.prisma.ingestJob.findUniqueOrThrow({ ...query, where: { id: jobId } });
        },
      });
      await announce(ctx, id);
      return created!;
    },
  }),
  cancelJob: t.prismaField({
    type: JobRef,
    description: 'Cancels a queued job at once, a running job at its next chunk.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = jobIdArgument(args.id);
      await cancelJob(serviceDeps(ctx), id);
      return changedJob(ctx, query, id);
    },
  }),
  retryJob: t.prismaField({
    type: JobRef,
    description: 'Queues a FAILED or CANCELLED job again; ingestion is idempotent.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = jobIdArgument(args.id);
      await retryJob(serviceDeps(ctx), id);
      return changedJob(ctx, query, id);
    },
  }),
}));
