// The checkout's root, for the files outside src/ that processes read (prisma/ for
// migrations, schema.graphql). The same module runs from src/infra/ (tsx, tests) and from
// dist/src/infra/ (the compiled build), so the root is found, not counted in `..`s: the
// nearest directory up with a package.json (dist/ has none).
import { existsSync } from 'node:fs';
import path from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(import.meta.dirname);
