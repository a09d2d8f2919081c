// Node/V8 flags of our two processes, in one place: src/start.ts (`npm start`) and the
// benchmarks (bench/lib.ts) start them with these, and package.json's start:api /
// start:worker spell out the same flags (test/unit/node-flags.test.ts keeps them equal).
// Peak RSS through `npm run bench:ingest` (166 MB upload + 1M-row ingest) is what they
// are tuned for; see bench/RESULTS.md.
export const NODE_FLAGS = {
  api: [
    // Startup (schema, Yoga, Prisma) grows V8's young generation to its default 16 MB
    // semi-spaces, and they stay committed. 2 MB semi-spaces: idle RSS 180 → 144 MB, peak
    // over two 166 MB uploads ~220 → ~185 MB; the dashboard's index load and requests took
    // the same time and CPU.
    '--max-semi-space-size=2',
    // Prisma 7's query compiler is WebAssembly (the "small" build, see prisma/schema.prisma);
    // no TurboFan tier-up for it saves another 5–10 MB of compiler memory, and Liftoff's
    // code is fast enough for the API's few job queries (the dashboard is raw SQL).
    // V8 lists the flag "for testing": the e2e test of `npm start` runs Prisma queries
    // through an API started with it.
    '--liftoff-only',
  ],
  worker: [
    // Ingest streams, so a larger heap only delays collection and lets RSS grow past what
    // a 1 GiB file needs. (Smaller semi-spaces, as for the API, were measured too: 8 MB
    // took ~25 MB off the peak but cost ~17% more CPU per ingest, so the default stays.)
    '--max-old-space-size=192',
  ],
} as const;

export type ProcessKind = keyof typeof NODE_FLAGS;
