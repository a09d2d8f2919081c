// Node/V8 flags of our two processes, in one place: src/start.ts (`npm start`) and the
// benchmarks (bench/lib.ts) start them with these, and package.json's start:api /
// start:worker spell out the same flags (test/unit/node-flags.test.ts keeps them equal).
// Peak RSS through `npm run bench:ingest` (166 MB upload + 1M-row ingest) is what they
// are tuned for; see bench/RESULTS.md.
export const NODE_FLAGS = {
  api: [
    // Startup (schema, Yoga, Prisma) grows V8's young generation to its default 16 MB
    // semi-spaces, and they stay committed; 2 MB ones cut idle and peak RSS at no cost in
    // request time (figures: bench/RESULTS.md, "Tuning decisions").
    '--max-semi-space-size=2',
    // Prisma 7's query compiler is WebAssembly (the "small" build, see prisma/schema.prisma);
    // no TurboFan tier-up for it saves another 5–10 MB of compiler memory, and Liftoff's
    // code is fast enough for the API's few job queries (the dashboard is raw SQL).
    // V8 lists the flag "for testing": the e2e test of `npm start` runs Prisma queries
    // through an API started with it.
    '--liftoff-only',
    // V8 lets the old generation grow to about twice its live size before a full
    // collection; with 2 MB semi-spaces, streams (a large CSV export, a run of huge refused
    // bodies) promote their short-lived garbage there and RSS stayed high. Growing by 20 %
    // per collection keeps it near the live size for a small cost in dashboard latency
    // (figures: bench/RESULTS.md, "Tuning decisions").
    '--heap-growing-percent=20',
  ],
  worker: [
    // Ingest streams, so a larger heap only delays collection and lets RSS grow past what
    // a 1 GiB file needs. Smaller semi-spaces, as for the API, cost more CPU per ingest
    // than the memory they save (bench/RESULTS.md, "Tuning decisions").
    '--max-old-space-size=192',
  ],
} as const;

export type ProcessKind = keyof typeof NODE_FLAGS;
