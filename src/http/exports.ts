// CSV downloads (SPEC §8 "Exports"): streamed with backpressure, formula-safe, the same
// tokens as GraphQL. Each route checks its arguments, then pipes records through the
// CSV writer into the response.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { type Response, type Router } from 'express';
import type pg from 'pg';
import { requireRole } from '../auth/express.js';
import type { TokenVerifier } from '../auth/tokens.js';
import { csvWriter, type CsvCell } from '../exports/csv.js';
import { jobExists, REJECTED_ROWS_HEADER, rejectedRowRecords } from '../exports/rejected-rows.js';
import type { Logger } from '../infra/logger.js';

export const EXPORTS_PATH = '/exports';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ExportsDeps {
  pool: pg.Pool;
  verifier: TokenVerifier;
  log: Logger;
}

function notFound(res: Response, message: string) {
  res.status(404).json({ error: { code: 'NOT_FOUND', message } });
}

async function sendCsv(res: Response, log: Logger, fileName: string, header: readonly string[], records: AsyncIterable<CsvCell[]>) {
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

export function exportsRouter({ pool, verifier, log }: ExportsDeps): Router {
  const router = express.Router();
  if (verifier.enabled) router.use(requireRole(verifier, 'viewer'));

  router.get('/jobs/:id/rejected-rows.csv', async (req, res) => {
    const id = req.params.id.toLowerCase();
    let found: boolean;
    try {
      found = UUID.test(id) && (await jobExists(pool, id));
    } catch (error) {
      log.error({ err: error }, 'CSV export: job lookup failed');
      res.status(503).json({ error: { code: 'SERVICE_UNAVAILABLE', message: 'The database is not reachable; try again' } });
      return;
    }
    if (!found) return notFound(res, `No job ${req.params.id.slice(0, 64)}`);
    await sendCsv(res, log, `job-${id}-rejected-rows.csv`, REJECTED_ROWS_HEADER, rejectedRowRecords(pool, id));
  });

  return router;
}
