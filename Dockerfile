# syntax=docker/dockerfile:1
# Hogsend's image: one image, three run modes (the spec's "bring your own orchestrator").
#   docker run IMAGE              -> hogsend api     (port 3002, HEALTHCHECK on /v1/health)
#   docker run IMAGE worker       -> hogsend worker  (no port; exits on fatal errors, drains on SIGTERM)
#   docker run IMAGE migrate      -> hogsend migrate (one-shot; run it to completion before api and worker)
# The image holds exactly what `npm pack` publishes, plus its production dependencies from package-lock.json.
# test/dockerfile.test.ts runs this file's install and start lines on the packed package, so keep them plain.

# Build: every dependency, then `npm pack`, whose prepack script compiles src/ to dist/ and builds Studio into
# dist/studio/ (npm run build).
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The studio/ workspace's manifest, so `npm ci` installs what `npm run build` needs to build Studio.
COPY studio/package.json studio/
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npm pack --pack-destination /tmp && mkdir /package && tar -xzf /tmp/hogsend-*.tgz -C /package --strip-components=1

# Runtime: the packed package and its production dependencies only; no compiler, no sources, no tsx for
# Hogsend's own code (tsx is a dependency so user journeys written in TypeScript can be loaded).
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3002
WORKDIR /app
# package-lock.json is not part of a packed package; it comes from the build context so `npm ci` installs the
# locked versions. The packed package.json is the repository's, so the two agree.
COPY --from=build /package/ ./
COPY package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
RUN ln -s /app/dist/main/cli.js /usr/local/bin/hogsend
USER node
EXPOSE 3002
# Only the api serves HTTP: give worker and migrate containers no healthcheck (deploy/docker-compose.yml disables it).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3002}/v1/health`).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["hogsend"]
CMD ["api"]
