# sluice controller image. Build: docker build -t sluice .
# (Not built in this project's CI: its machines have no Docker engine.)
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --gid 65532 sluice && useradd --uid 65532 --gid 65532 --home-dir /home/sluice --create-home sluice
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production HOME=/home/sluice
USER 65532:65532
EXPOSE 8080
# A small young generation: a controller allocates little per reconcile, and Node 24's default
# semi-space made RSS with 1,000 Rollouts 365 MiB instead of 208 MiB (npm run bench:rollout-memory).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=8", "/app/dist/src/main.js"]
