import { describe, expect, it } from 'vitest';
import { parseConfig, TUNABLES } from '../../src/config/config.js';
import { ConfigError, parseEnv } from '../../src/config/env.js';
import { configureLogger, createLogger } from '../../src/infra/logger.js';

describe('environment', () => {
  it('has local defaults for everything', () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(4000);
    expect(env.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/bi');
    expect(env.MAX_UPLOAD_BYTES).toBe(1024 ** 3);
    expect(env.AUTH_TOKENS.size).toBe(0);
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      parseEnv({ PORT: 'abc', WORKER_CONCURRENCY: '0', AUTH_TOKENS: 'tok:root' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/WORKER_CONCURRENCY/);
    expect(message).toMatch(/AUTH_TOKENS/);
    expect(message).not.toMatch(/tok:root/); // tokens are secrets: never echoed whole
  });

  it('parses token:role pairs', () => {
    const env = parseEnv({ AUTH_TOKENS: 'a1:admin, v1:viewer' });
    expect([...env.AUTH_TOKENS]).toEqual([
      ['a1', 'admin'],
      ['v1', 'viewer'],
    ]);
  });

  it('parses CORS_ORIGINS as origins, refusing what a browser never sends as Origin', () => {
    expect(parseEnv({}).CORS_ORIGINS).toBeUndefined();
    expect(parseEnv({ CORS_ORIGINS: 'https://app.example, http://localhost:5173' }).CORS_ORIGINS).toEqual(['https://app.example', 'http://localhost:5173']);
    expect(() => parseEnv({ CORS_ORIGINS: 'https://app.example/, app.example' })).toThrow(/CORS_ORIGINS: .*https:\/\/app\.example\/, app\.example/);
  });

  it('groups the environment into one typed config, tunables included', () => {
    const config = parseConfig({ REDIS_PREFIX: 'p', UPLOAD_RATE_LIMIT: '7', MAX_CONCURRENT_OPERATIONS_PER_CLIENT: '3', WORKER_METRICS_PORT: '9100' });
    expect(config.redis.prefix).toBe('p');
    expect(config.uploads.rateLimit).toEqual({ limit: 7, windowSeconds: 60 });
    expect(config.http.operationsPerClient).toEqual({ maxConcurrent: 3, maxQueued: 64 });
    expect(config.worker).toMatchObject({ metricsPort: 9100, chunkRecords: TUNABLES.chunkRecords, lockDurationMs: TUNABLES.workerLockDurationMs });
    expect(config.queue).toEqual({ attempts: TUNABLES.queueAttempts, backoffMs: TUNABLES.queueBackoffMs });
  });

  it('takes the log level from LOG_LEVEL, silent by default only under NODE_ENV=test', () => {
    expect(parseConfig({}).log.level).toBe('info');
    expect(parseConfig({ NODE_ENV: 'test' }).log.level).toBe('silent');
    expect(parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug' }).log.level).toBe('debug');
    expect(() => parseConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('builds the logger from the config, not from process.env', () => {
    const saved = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'trace';
    try {
      expect(createLogger({ level: 'error' }).level).toBe('error');
      expect(configureLogger(parseConfig({ LOG_LEVEL: 'debug' }).log).level).toBe('debug');
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
      configureLogger(parseConfig().log);
    }
  });
});
