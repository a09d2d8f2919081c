// What a FAILED job tells its users. job.error is read by anyone who can see the job, so
// it is a stable sentence saying what happened and what to do; PostgreSQL's own text (index
// and constraint names, roles, hosts) goes to the worker's log with the job id. Input
// problems (InputFileError) keep their message: they describe the user's file.

/** The job's rows are stored but some of its dates' aggregates could not be recomputed. */
export class AggregatesFailedError extends Error {
  constructor(
    readonly dates: string[],
    readonly detail: unknown,
  ) {
    super(aggregatesMessage(dates));
    this.name = 'AggregatesFailedError';
  }
}

const LISTED_DATES = 5;

export function aggregatesMessage(dates: string[]): string {
  const listed = dates.slice(0, LISTED_DATES).join(', ') + (dates.length > LISTED_DATES ? ', …' : '');
  return (
    `the rows were stored, but the aggregates of ${dates.length} date${dates.length > 1 ? 's' : ''} (${listed}) ` +
    'could not be refreshed; the next job or a retry of this one refreshes them'
  );
}

// SQLSTATE classes and codes that mean the server went away or would not take us.
const UNREACHABLE_SQLSTATE = /^(08|57P0[123]|53300)/;
const UNREACHABLE_MESSAGE = /connection terminated|connection error|not queryable|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET/i;

/** True when `error` says the database could not be reached (not that it refused a statement). */
export function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // Node's socket errors (ECONNREFUSED, ETIMEDOUT, EPIPE, ENOTFOUND …) or a SQLSTATE.
    if (/^E[A-Z]+$/.test(code)) return true;
    if (UNREACHABLE_SQLSTATE.test(code)) return true;
  }
  return typeof message === 'string' && UNREACHABLE_MESSAGE.test(message);
}

/** The error a job that gave up after `attempts` deliveries shows (the detail goes to the log). */
export function failureMessage(error: unknown, attempts: number): string {
  if (error instanceof AggregatesFailedError) return error.message;
  const after = `after ${attempts} attempt${attempts > 1 ? 's' : ''}`;
  if (isConnectionError(error)) {
    return `the database was unreachable ${after}; retrying the job resumes it from its last committed chunk`;
  }
  return `the job stopped on an unexpected error ${after}; retrying the job resumes it from its last committed chunk (the worker's log has the details under the job's id)`;
}
