# One image for the API, the worker and the migration job (docker-compose.yml picks the
# command): compiled JavaScript run by plain node, production dependencies only, non-root.

# ------------------------------------------------------------------ build
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so a source change reuses this layer. --ignore-scripts: the image
# already has Node 24 (the `node` package's install script would fetch a second one), and
# no other dependency needs its install script (README "Install scripts"); this also keeps
# the build the same whatever allowScripts support the image's npm has.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# postinstall's work (skipped above), then the compiled build, then the web console when
# the checkout has one. web/dist always exists afterwards, so the COPY below cannot fail.
RUN npm run prisma:generate \
 && npm run build \
 && npm run build:web --if-present \
 && mkdir -p web/dist

# ------------------------------------------------------------------ runtime
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional as well as dev: the prisma CLI (with its studio, ~150 MB) is a dev
# dependency but also an optional peer of @prisma/client, and npm keeps such a package
# under --omit=dev alone. The optional packages this leaves out are none the processes
# load: msgpackr-extract (BullMQ only packs; the addon speeds up unpacking), pg-cloudflare
# (Cloudflare Workers), graphql-armor-types (declarations). The generated Prisma client is
# compiled into dist/, so no install script is needed; the `node` package's directory
# holds no binary without its script and is removed.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/node node_modules/.bin/node \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
# Migrations and schema.prisma: `node dist/src/migrate.js` applies them.
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/web/dist ./web/dist
USER node
EXPOSE 4000
# /ready: PostgreSQL and Redis answer (src/http/health.ts). The worker and the migration
# job have no HTTP server: docker-compose.yml disables the check for them.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 4000}/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself, not npm: it gets SIGTERM from `docker stop` and shuts down cleanly. The
# flags are the API's (src/infra/node-flags.ts; test/unit/node-flags.test.ts keeps them equal).
CMD ["node", "--max-semi-space-size=2", "--liftoff-only", "--heap-growing-percent=20", "dist/src/main.js"]
