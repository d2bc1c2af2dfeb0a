#!/usr/bin/env bash
# Installs what the tests need, only what is missing: Debian packages (emscripten, chromium, firefox-esr,
# WebKitGTK's driver with xvfb, nginx with its stream module, HAProxy, websockify, cmake) and the npm modules of the folders that have a
# package.json. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/setup-common.sh
command -v node >/dev/null || need+=(nodejs)
command -v emcc >/dev/null || need+=(emscripten)
command -v cmake >/dev/null || need+=(cmake)
command -v websockify >/dev/null || need+=(websockify)
[ -x /usr/bin/chromium ] || need+=(chromium)
# the other two browser engines of the browser tests (proxy-app's BrowserEnginesTest), drivers included
[ -x /usr/bin/firefox-esr ] || need+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] || need+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null || need+=(xvfb xauth)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
# proxy-app's BalancedProxiesTest: several proxies behind HAProxy (WebSocket) and nginx's stream module (UDP)
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || need+=(libnginx-mod-stream)
[ -x /usr/sbin/haproxy ] || need+=(haproxy)
install_need

# npm modules, each folder with its own lockfile
for dir in emscripten clients/js transport-webtransport/src/test/js proxy-app/src/test/js; do
  # again when the lockfile changed since (a devDependency added, e.g. clients/js's typescript)
  if [ -f "$dir/package.json" ] && { [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
