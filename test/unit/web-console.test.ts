// How the API serves the built console (src/http/web-console.ts), on an express app of its
// own with a web/dist of the test's making: before the build, / asks for it; after, the
// screens get index.html (revalidated), hashed assets a year's cache, a missing asset 404,
// and routes that are not the console's stay as they were.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_ROUTES, mountWebConsole } from '../../src/http/web-console.js';

let dist: string;
let server: Server;
let base: string;

beforeAll(async () => {
  dist = await mkdtemp(path.join(os.tmpdir(), 'bi-web-dist-'));
  const app = express();
  app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  mountWebConsole(app, dist);
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dist) await rm(dist, { recursive: true, force: true });
});

describe('the web console route', () => {
  it('asks for the build while web/dist has none', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('console not built: run npm run build:web\n');
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('serves index.html for every screen and hashed assets as immutable, once built (no restart)', async () => {
    await mkdir(path.join(dist, 'assets'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><script src="/assets/index-AbC123.js"></script>');
    await writeFile(path.join(dist, 'assets', 'index-AbC123.js'), 'console.log(1)');
    for (const route of [...CONSOLE_ROUTES, '/jobs/', '/dashboard?from=2026-01-01&region=EU']) {
      const response = await fetch(`${base}${route}`);
      expect(response.status, route).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await response.text()).toContain('/assets/index-AbC123.js');
    }
    const asset = await fetch(`${base}/assets/index-AbC123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });

  it('answers a missing asset and a path that is no screen with 404, never index.html', async () => {
    const missing = await fetch(`${base}/assets/index-Old999.js`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('<!doctype html>');
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
  });

  it('serves a rebuilt index.html (new asset names) without a restart', async () => {
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><script src="/assets/index-New456.js"></script>');
    // A rebuild within the same millisecond as the first write would keep its mtime.
    const later = new Date(Date.now() + 5_000);
    await utimes(path.join(dist, 'index.html'), later, later);
    expect(await (await fetch(`${base}/`)).text()).toContain('index-New456.js');
  });
});
