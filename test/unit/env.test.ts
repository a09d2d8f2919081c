import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../../src/config/env.js';

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
});
