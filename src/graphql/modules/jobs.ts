// Jobs: the Job type with its files and rejected rows, and the job/jobs queries.
import { builder, EMBEDDED } from '../builder.js';
import { checkCursors } from '../cursors.js';
import { notFound } from '../../errors.js';
import { normaliseJobId } from '../../jobs/job-id.js';
import { rejectedRowsPath } from '../../exports/paths.js';
import { FileKind, JobStage, JobStatus } from '../../generated/prisma/enums.js';

export const JobStatusEnum = builder.enumType(JobStatus, { name: 'JobStatus' });
export const JobStageEnum = builder.enumType(JobStage, { name: 'JobStage' });
const FileKindEnum = builder.enumType(FileKind, { name: 'FileKind' });

/** Page sizes (`first`/`last` above maxSize are clamped to it); the cost limit reads them too. */
export const JOBS_PAGE = { defaultSize: 20, maxSize: 100 } as const;
export const REJECTED_ROWS_PAGE = { defaultSize: 50, maxSize: 500 } as const;

const StageTiming = builder.objectRef<{ stage: JobStage; ms: number }>('StageTiming').implement({
  description: `Wall time spent in one stage. ${EMBEDDED}`,
  fields: (t) => ({
    stage: t.expose('stage', { type: JobStageEnum }),
    ms: t.exposeFloat('ms'),
  }),
});

builder.prismaObject('JobFile', {
  name: 'JobFile',
  description: 'One uploaded CSV of a job and its row counts.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.expose('kind', { type: FileKindEnum }),
    name: t.exposeString('name'),
    sizeBytes: t.float({ resolve: (file) => Number(file.sizeBytes) }),
    sha256: t.exposeString('sha256'),
    totalRows: t.exposeFloat('totalRows', { description: 'Data records read so far (all of them once the job has read the file).' }),
    insertedRows: t.exposeFloat('insertedRows'),
    updatedRows: t.exposeFloat('updatedRows'),
    unchangedRows: t.exposeFloat('unchangedRows'),
    rejectedRows: t.exposeFloat('rejectedRows'),
  }),
});

builder.prismaObject('RejectedRow', {
  description: 'A row the worker refused: where (file, physical line, column) and why.',
  fields: (t) => ({
    id: t.id({ resolve: (row) => row.id.toString() }),
    file: t.expose('file', { type: FileKindEnum }),
    line: t.exposeFloat('line', { description: 'Physical line (1-based) where the record starts.' }),
    column: t.exposeString('column', { nullable: true }),
    reason: t.exposeString('reason'),
    raw: t.exposeString('raw'),
  }),
});

export const JobRef = builder.prismaObject('IngestJob', {
  name: 'Job',
  description: 'One upload and its ingestion.',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: JobStatusEnum }),
    dryRun: t.exposeBoolean('dryRun', {
      description: 'A dry run: its counts and rejected rows say what a real upload would do; it wrote nothing else.',
    }),
    stage: t.expose('stage', { type: JobStageEnum, nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    warnings: t.exposeStringList('warnings'),
    stageTimings: t.field({
      type: [StageTiming],
      resolve: (job) =>
        Object.entries(job.stageTimings as Record<string, number>).map(([stage, ms]) => ({ stage: stage as JobStage, ms })),
    }),
    files: t.relation('files', { query: { orderBy: { kind: 'asc' } } }),
    rejectedRowsCsvUrl: t.string({
      description: 'Every rejected row as CSV: a path relative to the API origin (GET with the Authorization header of /graphql).',
      resolve: (job) => rejectedRowsPath(job.id),
    }),
    rejectedRows: t.relatedConnection(
      'rejectedRows',
      {
        cursor: 'id',
        query: (args) => {
          checkCursors(args, 'bigint');
          return { orderBy: { id: 'asc' } };
        },
        ...REJECTED_ROWS_PAGE,
      },
      { name: 'RejectedRowConnection' },
      { name: 'RejectedRowEdge' },
    ),
  }),
});

builder.queryFields((t) => ({
  job: t.prismaField({
    type: 'IngestJob',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => {
      const id = normaliseJobId(args.id);
      return id ? ctx.db.prisma.ingestJob.findUnique({ ...query, where: { id, uploadLeaseUntil: null } }) : null;
    },
  }),
  jobs: t.prismaConnection(
    {
    type: 'IngestJob',
    cursor: 'id',
    description: 'Jobs, newest first.',
    ...JOBS_PAGE,
    args: { status: t.arg({ type: JobStatusEnum }) },
    resolve: (query, _root, args, ctx) => {
      checkCursors(args, 'uuid');
      return ctx.db.prisma.ingestJob.findMany({
        ...query,
        // A job whose upload is still arriving is not listed (uploadLeaseUntil set).
        where: args.status ? { status: args.status, uploadLeaseUntil: null } : { uploadLeaseUntil: null },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
    },
    { name: 'JobConnection' },
    { name: 'JobEdge' },
  ),
}));

/** A job id argument in canonical form; NOT_FOUND when it is not a UUID (no such job can exist). */
export function jobIdArgument(value: string | number): string {
  const id = normaliseJobId(value);
  if (id === null) {
    const text = String(value);
    throw notFound('job', text.length > 40 ? `${text.slice(0, 40)}…` : text);
  }
  return id;
}
