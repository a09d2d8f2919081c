// CSV downloads (SPEC §8 "Exports"): streamed with backpressure, formula-safe, the same
// tokens as GraphQL. Each route checks its arguments, then pipes records through the
// CSV writer into the response.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response, type Router } from 'express';
import type pg from 'pg';
import { requireRole } from '../auth/express.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { DashboardCache } from '../dashboard/cache.js';
import { DashboardView } from '../dashboard/dashboard.js';
import {
  validateFilter,
  validateGranularity,
  validateTopCompaniesLimit,
  type DashboardFilter,
  type FilterArgumentNames,
} from '../dashboard/filter.js';
import { badInput, DomainError } from '../errors.js';
import { csvWriter, type CsvCell } from '../exports/csv.js';
import {
  DASHBOARD_SERIES,
  dashboardSeriesFileName,
  FILTER_PARAMETERS,
  isSeriesName,
  type SeriesName,
  type SeriesOptions,
} from '../exports/dashboard-series.js';
import { EXPORTS_PATH } from '../exports/paths.js';
import { jobExists, REJECTED_ROWS_HEADER, rejectedRowRecords } from '../exports/rejected-rows.js';
import { parseDate } from '../graphql/builder.js';
import type { Logger } from '../infra/logger.js';
import { normaliseJobId } from '../jobs/job-id.js';

export { EXPORTS_PATH };

export interface ExportsDeps {
  pool: pg.Pool;
  /** The process's dashboard cache: an export reuses what the GraphQL field computed. */
  dashboardCache: DashboardCache;
  verifier: TokenVerifier;
  log: Logger;
}

function notFound(res: Response, message: string) {
  res.status(404).json({ error: { code: 'NOT_FOUND', message } });
}

function unavailable(res: Response) {
  res.status(503).json({ error: { code: 'SERVICE_UNAVAILABLE', message: 'The database is not reachable; try again' } });
}

const clip = (text: string) => (text.length > 64 ? `${text.slice(0, 64)}…` : text);

// ------------------------------------------------------------------ dashboard series arguments

/** Errors name the query parameter the client wrote. */
const FILTER_NAMES: FilterArgumentNames = { from: 'from', to: 'to', ...FILTER_PARAMETERS };
const SINGLE_VALUED = new Set(['from', 'to', 'granularity', 'limit']);

function dateParameter(query: URLSearchParams, name: 'from' | 'to'): string | null {
  const value = query.get(name);
  if (value === null) return null;
  try {
    return parseDate(value);
  } catch (error) {
    throw badInput((error as Error).message.replace(/^Date/, name), name);
  }
}

function limitParameter(query: URLSearchParams): number {
  const value = query.get('limit');
  if (value !== null && !/^[+-]?\d{1,9}$/.test(value)) {
    throw badInput(`limit must be an integer between 1 and 100, got ${JSON.stringify(clip(value))}`, 'limit');
  }
  return validateTopCompaniesLimit(value === null ? null : Number(value));
}

/**
 * The filter and options of a series export, by the GraphQL filter's rules; a parameter
 * the series does not take is refused (a misspelt `regions=` must not silently mean "all").
 */
export function seriesArguments(name: SeriesName, query: URLSearchParams): { filter: DashboardFilter; options: SeriesOptions } {
  const allowed = new Set<string>(['from', 'to', ...Object.values(FILTER_PARAMETERS), ...DASHBOARD_SERIES[name].parameters]);
  for (const key of new Set(query.keys())) {
    if (!allowed.has(key)) {
      throw badInput(`${name}.csv takes no parameter ${JSON.stringify(clip(key))}; it takes ${[...allowed].join(', ')}`, clip(key));
    }
    if (SINGLE_VALUED.has(key) && query.getAll(key).length > 1) throw badInput(`${key} may be given only once`, key);
  }
  const filter = validateFilter(
    {
      from: dateParameter(query, 'from'),
      to: dateParameter(query, 'to'),
      regions: query.getAll(FILTER_PARAMETERS.regions),
      companies: query.getAll(FILTER_PARAMETERS.companies),
      models: query.getAll(FILTER_PARAMETERS.models),
    },
    FILTER_NAMES,
  );
  return { filter, options: { granularity: validateGranularity(query.get('granularity')), limit: limitParameter(query) } };
}

/** The raw query string, decoded once by URLSearchParams (repeated keys kept, no nesting). */
const queryOf = (req: Request) => new URL(req.originalUrl, 'http://exports.invalid').searchParams;

async function sendCsv(
  res: Response,
  log: Logger,
  fileName: string,
  header: readonly string[],
  records: Iterable<CsvCell[]> | AsyncIterable<CsvCell[]>,
) {
  res.status(200).set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${fileName}"`,
    'Cache-Control': 'no-store',
  });
  try {
    await pipeline(Readable.from(records), csvWriter(header), res);
  } catch (error) {
    // The status line is gone: a cut connection is the only way left to say "incomplete".
    if (!res.destroyed) res.destroy();
    if ((error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') log.error({ err: error, fileName }, 'CSV export failed');
  }
}

export function exportsRouter({ pool, dashboardCache, verifier, log }: ExportsDeps): Router {
  const router = express.Router();
  if (verifier.enabled) router.use(requireRole(verifier, 'viewer'));

  router.get('/jobs/:id/rejected-rows.csv', async (req, res) => {
    const id = normaliseJobId(req.params.id);
    let found: boolean;
    try {
      found = id !== null && (await jobExists(pool, id));
    } catch (error) {
      log.error({ err: error }, 'CSV export: job lookup failed');
      return unavailable(res);
    }
    if (!found || id === null) return notFound(res, `No job ${clip(req.params.id)}`);
    await sendCsv(res, log, `job-${id}-rejected-rows.csv`, REJECTED_ROWS_HEADER, rejectedRowRecords(pool, id));
  });

  // A series is at most one row per day, model, region or company: computed whole by the
  // DashboardView the GraphQL field uses (same cache), then streamed out.
  router.get('/dashboard/:file', async (req, res) => {
    const name = req.params.file.endsWith('.csv') ? req.params.file.slice(0, -'.csv'.length) : '';
    if (!isSeriesName(name)) {
      return notFound(res, `No dashboard series ${clip(req.params.file)}; one of ${Object.keys(DASHBOARD_SERIES).map((s) => `${s}.csv`).join(', ')}`);
    }
    let records: CsvCell[][];
    let fileName: string;
    try {
      const { filter, options } = seriesArguments(name, queryOf(req));
      fileName = dashboardSeriesFileName(name, filter, options);
      records = await DASHBOARD_SERIES[name].records(new DashboardView(pool, dashboardCache, filter), options);
    } catch (error) {
      if (error instanceof DomainError) {
        res.status(400).json({ error: { code: error.code, message: error.message, ...error.details } });
        return;
      }
      log.error({ err: error }, 'CSV export: dashboard series failed');
      return unavailable(res);
    }
    await sendCsv(res, log, fileName, DASHBOARD_SERIES[name].header, records);
  });

  return router;
}
