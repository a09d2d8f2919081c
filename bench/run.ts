// `npm run bench`: every benchmark in turn; each writes its section of bench/RESULTS.md.
import { execFileSync } from 'node:child_process';

for (const name of ['bench:ingest', 'bench:dashboard', 'bench:progress', 'bench:scale', 'bench:budgets']) {
  console.log(`\n=== npm run ${name}`);
  execFileSync('npm', ['run', name], { stdio: 'inherit' });
}
