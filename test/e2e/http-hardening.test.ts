// Browser-facing hardening against a real server: Bull Board refuses cross-site writes
// (cached Basic credentials must not let another site queue a job), admin pages cannot be
// framed, no X-Powered-By, and CORS follows CORS_ORIGINS (credentials only for listed
// origins) in development/test and production defaults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ADMIN = 'adm-0c9d2e7f41a85b36';
const APP_ORIGIN = 'https://app.example';
const EVIL_ORIGIN = 'https://evil.example';
const basic = `Basic ${Buffer.from(`ops:${ADMIN}`).toString('base64')}`;

let listed: TestApp;
let devDefault: TestApp;
let prodDefault: TestApp;
const baseOf = (t: TestApp) => t.url.replace('/graphql', '');

beforeAll(async () => {
  listed = await startTestApp('hardening', { AUTH_TOKENS: `${ADMIN}:admin`, CORS_ORIGINS: `${APP_ORIGIN}, http://localhost:5173` });
  devDefault = await startTestApp('hardening_dev', {}, listed.db);
  prodDefault = await startTestApp('hardening_prod', { NODE_ENV: 'production' }, listed.db);
});
afterAll(async () => {
  await devDefault?.close();
  await prodDefault?.close();
  await listed?.close();
});

describe('Bull Board with cached Basic credentials', () => {
  const api = () => `${baseOf(listed)}/admin/queues/api/queues`;
  const waiting = async () => (await listed.services.ingestQueue.getJobCounts('waiting')).waiting ?? 0;

  it('refuses a cross-site text/plain POST (the form a hostile page submits): 403, no job queued', async () => {
    const before = await waiting();
    const response = await fetch(`${api()}/ingest/add`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'text/plain', origin: EVIL_ORIGIN, 'sec-fetch-site': 'cross-site' },
      body: '{"name":"x","data":{}}',
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'FORBIDDEN', message: expect.stringMatching(/x-graphql-yoga-csrf/) } });
    expect(await waiting()).toBe(before);
  });

  it('refuses a write that proves neither same origin nor carries a CSRF header', async () => {
    const plain = await fetch(`${api()}/ingest/pause`, { method: 'PUT', headers: { authorization: basic } });
    expect(plain.status).toBe(403);
    const foreign = await fetch(`${api()}/ingest/pause`, { method: 'PUT', headers: { authorization: basic, origin: 'null' } });
    expect(foreign.status).toBe(403);
    // A CSRF header does not whitewash a request the browser marks as cross-site.
    const crossWithHeader = await fetch(`${api()}/ingest/pause`, {
      method: 'PUT',
      headers: { authorization: basic, 'x-graphql-yoga-csrf': '1', 'sec-fetch-site': 'same-site' },
    });
    expect(crossWithHeader.status).toBe(403);
    expect(await listed.services.ingestQueue.isPaused()).toBe(false);
  });

  it('accepts the board UI’s own requests (same origin) and scripts that send the CSRF header', async () => {
    const host = new URL(listed.url).host;
    const fromPage = await fetch(`${api()}/ingest/pause`, {
      method: 'PUT',
      headers: { authorization: basic, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
    });
    expect(fromPage.status).toBe(200);
    expect(await listed.services.ingestQueue.isPaused()).toBe(true);
    const fromScript = await fetch(`${api()}/ingest/resume`, { method: 'PUT', headers: { authorization: basic, 'apollo-require-preflight': 'true' } });
    expect(fromScript.status).toBe(200);
    expect(await listed.services.ingestQueue.isPaused()).toBe(false);
    const before = await waiting();
    const added = await fetch(`${api()}/ingest/add`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json', origin: `http://${host}` },
      body: JSON.stringify({ name: 'manual', data: {} }),
    });
    expect(added.status).toBe(200);
    expect(await waiting()).toBe(before + 1);
    await listed.services.ingestQueue.drain();
  });

  it('the pages and API cannot be framed and do not announce Express', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const response = await fetch(`${baseOf(listed)}${path}`, { headers: { authorization: basic } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('no X-Powered-By anywhere', () => {
  it.each(['/health', '/ready', '/metrics', '/graphql?query={__typename}', '/admin/queues', '/admin/queues/api/queues', '/nowhere'])('%s', async (path) => {
    const response = await fetch(`${baseOf(devDefault)}${path}`);
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});

async function preflight(t: TestApp, origin: string) {
  const response = await fetch(t.url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
  });
  return { status: response.status, headers: response.headers };
}

async function simple(t: TestApp, origin: string) {
  const response = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, {
    headers: { origin, authorization: `Bearer ${ADMIN}` },
  });
  expect(response.status).toBe(200);
  return response.headers;
}

describe('CORS', () => {
  it('CORS_ORIGINS lists an origin: its preflight and requests are allowed with credentials', async () => {
    const { status, headers } = await preflight(listed, APP_ORIGIN);
    expect(status).toBe(204);
    expect(headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(headers.get('access-control-allow-credentials')).toBe('true');
    expect(headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(headers.get('vary')).toMatch(/Origin/);
    const response = await simple(listed, 'http://localhost:5173');
    expect(response.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.get('access-control-allow-credentials')).toBe('true');
  });

  it('CORS_ORIGINS set: an origin not listed gets no CORS headers (preflight nor request)', async () => {
    const { headers } = await preflight(listed, EVIL_ORIGIN);
    expect(headers.get('access-control-allow-origin')).toBeNull();
    expect(headers.get('access-control-allow-credentials')).toBeNull();
    const response = await simple(listed, EVIL_ORIGIN);
    expect(response.get('access-control-allow-origin')).toBeNull();
    expect(response.get('access-control-allow-credentials')).toBeNull();
  });

  it('development/test default: any origin, never with credentials', async () => {
    const { status, headers } = await preflight(devDefault, EVIL_ORIGIN);
    expect(status).toBe(204);
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(headers.get('access-control-allow-credentials')).toBeNull();
    expect(headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const response = await simple(devDefault, EVIL_ORIGIN);
    expect(response.get('access-control-allow-origin')).toBe('*');
    expect(response.get('access-control-allow-credentials')).toBeNull();
  });

  it('production default: same origin only, a foreign origin gets no CORS headers', async () => {
    const { headers } = await preflight(prodDefault, APP_ORIGIN);
    expect(headers.get('access-control-allow-origin')).toBeNull();
    expect(headers.get('access-control-allow-credentials')).toBeNull();
    const response = await simple(prodDefault, EVIL_ORIGIN);
    expect(response.get('access-control-allow-origin')).toBeNull();
    expect(response.get('access-control-allow-credentials')).toBeNull();
  });
});
