// Bull Board (queue monitor) for the ingest queue, as an express router. app.ts mounts it
// at /admin/queues behind requireAdmin when auth is on (SPEC §6: admin only).
//
// A browser replays cached Basic credentials on any request to the board, including a
// cross-site form or fetch: every state-changing request must prove it is not one
// (adminRequestGuard), and the pages may not be framed (clickjacking).
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type Express, type RequestHandler, type Router } from 'express';

export const BULL_BOARD_PATH = '/admin/queues';

/** Headers that a browser cannot send cross-site without a CORS preflight (the same as multipart GraphQL). */
const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The admin pages may not be framed by any site. */
const adminPageHeaders: RequestHandler = (_req, res, next) => {
  res.set('X-Frame-Options', 'DENY');
  res.set('Content-Security-Policy', "frame-ancestors 'none'");
  next();
};

/**
 * Lets a state-changing request through only from the board's own page or from a client
 * that is not a browser. The board's UI (axios, same origin) sends `Sec-Fetch-Site:
 * same-origin` and its own `Origin`; scripts send one of CSRF_HEADERS. A request a browser
 * marks as cross-site or from a foreign origin is refused whatever it carries.
 */
const adminRequestGuard: RequestHandler = (req, res, next) => {
  if (SAFE_METHODS.has(req.method)) return next();
  const fetchSite = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const sameOrigin = origin !== undefined && originHost(origin) === req.get('host');
  const crossSite = (fetchSite !== undefined && fetchSite !== 'same-origin') || (origin !== undefined && !sameOrigin);
  if (!crossSite && (fetchSite === 'same-origin' || sameOrigin || CSRF_HEADERS.some((name) => req.get(name) !== undefined))) {
    return next();
  }
  res.status(403).json({
    error: {
      code: 'FORBIDDEN',
      message: `Cross-site request refused: send it from the board's own page, or add an "${CSRF_HEADERS[0]}" header`,
    },
  });
};

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // "null" (sandboxed frames, file:) and garbage are never same-origin
  }
}

export function bullBoardRouter(queues: Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'AI usage BI queues' } },
  });
  // The adapter's own express app would announce "X-Powered-By: Express" on every response.
  const board = serverAdapter.getRouter() as Express;
  board.disable('x-powered-by');
  return express.Router().use(adminPageHeaders, adminRequestGuard, board);
}
