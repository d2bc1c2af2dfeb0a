#!/usr/bin/env bash
# Installs what the Emscripten test pipeline needs on Debian bookworm (run as root).
# Idempotent: does nothing (and touches no network) when everything is already there.
#   apt:  emscripten (emcc 3.1.6, pulls clang/lld/binaryen/nodejs), cmake, websockify,
#         g++ + make (to build the reference proxy), nginx-light (the benchmark's HTTP server;
#         skipped when an nginx is already there), npm only if there is no npm at all
#   npm:  acorn + ws, pinned in package.json / package-lock.json, into emscripten/node_modules
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

for p in emscripten cmake websockify g++ make; do
  pkg_installed "$p" || need+=("$p")
done
# bench.sh starts its own nginx (any Debian flavour will do) on a loopback port.
have_cmd nginx || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
# Node 20 (e.g. nodesource) ships npm inside the nodejs package; Debian's own nodejs does not.
have_cmd npm || need+=(npm)

if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then echo "install.sh: need root to apt-get install ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  # Only refresh the package lists when a candidate is missing (fresh machine / empty lists).
  if ! apt-get install -y --no-install-recommends --dry-run "${need[@]}" >/dev/null 2>&1; then
    echo "install.sh: apt-get update" >&2
    apt-get update -q
  fi
  echo "install.sh: apt-get install ${need[*]}" >&2
  if ! apt-get install -y -q --no-install-recommends "${need[@]}"; then
    # stale package lists (e.g. a version no longer on the mirror): refresh once and retry
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${need[@]}"
  fi
fi

# npm dependencies: reinstall only if a pinned version is missing.
npm_ok() {
  node -e '
    const lock = require(process.argv[1] + "/package-lock.json").packages;
    for (const [k, v] of Object.entries(lock)) {
      if (!k) continue;
      let got; try { got = require(process.argv[1] + "/" + k + "/package.json").version; } catch (e) { process.exit(1); }
      if (got !== v.version) process.exit(1);
    }' "$HERE"
}
if ! npm_ok; then
  echo "install.sh: npm ci in $HERE" >&2
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
  npm_ok
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  echo "install.sh: warning: node $(node --version) is older than 18; the pipeline is tested with node 20" >&2
fi
echo "install.sh: ok (emcc $(emcc --version 2>/dev/null | head -1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -1), node $(node --version), websockify $(command -v websockify))"
