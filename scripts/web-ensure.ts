// `npm run web:ensure`: builds the web console (web/dist) when it is missing or older than
// any of its sources — web/ itself and the client contract it bundles (src/client:
// operations, generated documents, graphcache keys) and package-lock.json — and is a
// no-op otherwise. `npm start` and the tests that open the console run it.
import { spawnSync } from 'node:child_process';
import { readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
export const WEB_DIST = path.join(ROOT, 'web', 'dist');
const SOURCES = ['web', 'src/client', 'package-lock.json'];
const SKIP = new Set(['dist', 'node_modules', '.vite']);

/** The newest modification time under the console's sources (ms). */
function newestSource(): number {
  let newest = 0;
  const visit = (file: string) => {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      // A directory's own mtime too: a deleted or renamed source shows in it.
      newest = Math.max(newest, stat.mtimeMs);
      for (const entry of readdirSync(file)) if (!SKIP.has(entry) && !entry.startsWith('.dist-')) visit(path.join(file, entry));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const source of SOURCES) visit(path.join(ROOT, source));
  return newest;
}

export function webBuildIsStale(): boolean {
  const built = statSync(path.join(WEB_DIST, 'index.html'), { throwIfNoEntry: false })?.mtimeMs;
  return built === undefined || built < newestSource();
}

/** Builds web/dist if stale. Returns whether it built. */
export function ensureWebBuild({ log = console.info }: { log?: (line: string) => void } = {}): boolean {
  if (!webBuildIsStale()) return false;
  // Build next to web/dist and swap it in, so a second ensure running at the same time
  // (parallel test files) never serves or deletes a half-written build.
  const outDir = path.join(ROOT, 'web', `.dist-${process.pid}`);
  log('web console: building web/dist (missing or older than its sources)');
  const vite = path.join(ROOT, 'node_modules', '.bin', 'vite');
  const result = spawnSync(vite, ['build', '--config', path.join(ROOT, 'web', 'vite.config.ts'), '--outDir', outDir, '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
    // Callers run with NODE_ENV=test or development (vitest, npm start); the bundle is
    // always the production one (React's development build is larger and slower).
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) {
    rmSync(outDir, { recursive: true, force: true });
    throw new Error(`vite build failed (exit ${result.status ?? result.signal})`);
  }
  rmSync(WEB_DIST, { recursive: true, force: true });
  try {
    renameSync(outDir, WEB_DIST);
    // The swap changed web/'s own mtime (a source directory): date the build after it
    // (+1 ms: the swap may fall within the current millisecond).
    const after = new Date(Date.now() + 1);
    utimesSync(path.join(WEB_DIST, 'index.html'), after, after);
  } catch {
    // Another ensure swapped its build in first; it is as fresh as ours.
    rmSync(outDir, { recursive: true, force: true });
  }
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const built = ensureWebBuild();
  console.info(built ? `web console built in ${Date.now() - started} ms` : 'web console is up to date (web/dist)');
}
