// One pino logger per process; child loggers carry jobId/stage/requestId. Secrets are
// redacted wherever they sit in a logged object: auth headers, the WebSocket init
// payload, tokens, passwords, and connection URLs (which may embed a password).
import { pino, type DestinationStream } from 'pino';

export const REDACTED = '[redacted]';

const REDACT_PATHS = [
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
  level: string;
  /** pino-pretty when stdout is a terminal (config.log.pretty: outside production). */
  pretty?: boolean;
  /** Where JSON lines go (default stdout; tests pass a capturing stream). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions) {
  const pretty = options.pretty === true && !options.destination && process.stdout.isTTY;
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
    },
    options.destination,
  );
}

export type Logger = ReturnType<typeof createLogger>;

/**
 * The process's logger. Each entry point configures it from its config (configureLogger)
 * before it creates anything that logs; modules read this live binding when they log, so
 * they all follow. Until then (a module loaded by a test) it logs warnings and errors only.
 */
export let logger: Logger = createLogger({ level: 'warn' });

export function configureLogger(options: LoggerOptions): Logger {
  logger = createLogger(options);
  return logger;
}
