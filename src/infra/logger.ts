// One pino logger per process; child loggers carry jobId/stage/requestId.
import { pino } from 'pino';

const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
const pretty = process.env.NODE_ENV !== 'production' && process.stdout.isTTY;

export const logger = pino({
  level,
  redact: {
    paths: ['req.headers.authorization', 'headers.authorization', '*.authorization', 'authorization', 'token', '*.token'],
    censor: '[redacted]',
  },
  ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
});

export type Logger = typeof logger;
