// One pino logger per process; child loggers carry jobId/stage/requestId. Secrets are
// redacted wherever they sit in a logged object: auth headers, the WebSocket init
// payload, tokens, passwords, and connection URLs (which may embed a password).
import { pino, type DestinationStream } from 'pino';

export const REDACTED = '[redacted]';

export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  '*.Authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'connectionParams',
  '*.connectionParams',
  'token',
  '*.token',
  'password',
  '*.password',
  'AUTH_TOKENS',
  '*.AUTH_TOKENS',
  'DATABASE_URL',
  '*.DATABASE_URL',
  'REDIS_URL',
  '*.REDIS_URL',
];

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go (default stdout; tests pass a capturing stream). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}) {
  const level = options.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  const pretty = !options.destination && process.env.NODE_ENV !== 'production' && process.stdout.isTTY;
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
    },
    options.destination,
  );
}

export const logger = createLogger();

export type Logger = typeof logger;
