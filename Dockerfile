# syntax=docker/dockerfile:1
# sluice controller image.
#   docker build -t sluice .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/OWNER/sluice:TAG .
# Stages: build (tsc → dist/), prod-deps (production node_modules only), tools (the kustomize and
# helm the controller runs, at the harness's versions) and the runtime image.
# Not built in this project's CI: its machines have no Docker engine. test/unit/dockerfile.test.ts
# checks the properties below statically; .github/workflows/release.yml builds and pushes it.

# Node.js is the version pinned in .node-version (a test keeps them equal).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# --- build: compile TypeScript. dist/ is the same on every platform, so this runs natively.
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# `npm run build` is `tsc -p tsconfig.build.json` run through test/tools/node.sh, which would fetch
# a second copy of the pinned Node.js; this image already is that Node.js, so tsc runs directly.
RUN npx --no-install tsc -p tsconfig.build.json && test -f dist/src/main.js

# --- prod-deps: production dependencies only, for the target platform.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --no-audit --no-fund

# --- tools: kustomize and helm, built from the wrapper modules the test harness builds them from
# (test/cluster/go/*): every module is verified against the committed go.sum, and the versions must
# equal test/cluster/versions.env (checked below and by test/unit/dockerfile.test.ts).
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS tools
ARG KUSTOMIZE_VERSION=v5.8.2
ARG HELM_VERSION=v3.22.0
ARG TARGETOS
ARG TARGETARCH
ENV GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY test/cluster/go/kustomize /src/kustomize
COPY test/cluster/go/helm /src/helm
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    set -eu; \
    cd /src/kustomize; \
    test "$(go list -m -f '{{.Version}}' sigs.k8s.io/kustomize/kustomize/v5)" = "$KUSTOMIZE_VERSION"; \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags="-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$KUSTOMIZE_VERSION" \
      -o /out/kustomize sigs.k8s.io/kustomize/kustomize/v5; \
    cd /src/helm; \
    test "$(go list -m -f '{{.Version}}' helm.sh/helm/v3)" = "$HELM_VERSION"; \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
      -o /out/helm helm.sh/helm/v3/cmd/helm

# --- runtime
FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="sluice" \
      org.opencontainers.image.description="Kubernetes progressive-delivery controller on a Git-synced reconcile core" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN apt-get update \
  && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
  && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
  && groupadd --gid 65532 sluice \
  && useradd --uid 65532 --gid 65532 --home-dir /home/sluice --create-home --shell /usr/sbin/nologin sluice
# On PATH, so the defaults of --kustomize-path and --helm-path (kustomize, helm) find them.
COPY --from=tools /out/kustomize /out/helm /usr/local/bin/
WORKDIR /app
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# helm writes its cache and config under these; /tmp is the writable volume with a read-only root.
ENV NODE_ENV=production \
    HOME=/home/sluice \
    HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data
USER 65532:65532
EXPOSE 8080
# tini is PID 1 (forwards SIGTERM, reaps git/ssh/helm children). The command is in ENTRYPOINT so the
# chart's `args:` (flags) append to it. A small young generation: a controller allocates little per
# reconcile, and Node 24's default semi-space made RSS with 1,000 Rollouts 365 MiB instead of
# 208 MiB (npm run bench:rollout-memory; npm run start:prod uses the same flag).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=8", "--expose-gc", "/app/dist/src/main.js"]
