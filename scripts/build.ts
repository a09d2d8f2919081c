// `npm run build`: compiles src/ and worker/ (Prisma's generated client included) to dist/,
// which production runs with plain node. `npm run build:ensure` (prestart) does it only when
// dist/ is missing or older than a source, so `npm start` after `npm ci` or a `git pull`
// runs what is checked out, and costs one directory walk (~10 ms) when nothing changed.
//
// Run by Node 24 itself (type stripping), not tsx: it must work before anything is built and
// needs only node: modules, so it is written in erasable TypeScript.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist');
/** Written last into a complete build; its mtime is when that build's inputs were read. */
const STAMP = path.join(OUT, '.built');
/** What the build reads (src/generated comes from `prisma generate`, run by postinstall). */
const INPUTS = ['src', 'worker', 'tsconfig.json', 'tsconfig.build.json'];

const HELP = `npm run build          compile to dist/ (always)
npm run build:ensure   compile only when dist/ is missing or older than src/, worker/, tsconfig*.json`;

/** Newest mtime under `target`; directories count too, so a deleted or renamed file shows. */
function newestMtimeMs(target: string): number {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtimeMs(path.join(target, entry)));
  return newest;
}

function isStale(): boolean {
  if (!existsSync(STAMP)) return true;
  const inputs = INPUTS.map((input) => path.join(ROOT, input)).filter((input) => existsSync(input));
  return Math.max(...inputs.map(newestMtimeMs)) > statSync(STAMP).mtimeMs;
}

function build() {
  const started = new Date();
  let tsc: string;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new Error('dist/ needs a build and TypeScript is not installed (a production-only install?): run `npm ci && npm run build`');
  }
  // Into a fresh directory swapped in when complete: an interrupted or failed build leaves
  // the previous dist/ (and no stamp newer than the sources) instead of half a tree.
  const next = path.join(ROOT, `.dist-${process.pid}`);
  const old = path.join(ROOT, `.dist-old-${process.pid}`);
  try {
    // --noCheck: emit only. The output is the same byte for byte (isolatedModules), in 7 s
    // instead of 25 s here; type errors are `npm run typecheck`'s job (CI runs it).
    execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--noCheck', '--outDir', next], { stdio: 'inherit' });
    writeFileSync(path.join(next, '.built'), '');
    // The stamp says "inputs as of the start": a source saved during the build stays newer.
    utimesSync(path.join(next, '.built'), started, started);
    if (existsSync(OUT)) renameSync(OUT, old);
    renameSync(next, OUT);
  } finally {
    rmSync(next, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
  console.log(`built dist/ in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`);
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.some((arg) => arg !== '--if-stale')) {
  console.log(HELP);
  process.exit(args.includes('--help') ? 0 : 1);
}
if (args.includes('--if-stale') && !existsSync(path.join(ROOT, 'src'))) {
  // An image that ships dist/ without the sources: nothing to compare, nothing to build.
} else if (!args.includes('--if-stale') || isStale()) {
  try {
    build();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
