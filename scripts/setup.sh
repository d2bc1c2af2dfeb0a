#!/usr/bin/env bash
# Installs what the tests need, only what is missing: Debian packages (emscripten, chromium, firefox-esr,
# WebKitGTK's driver with xvfb, nginx, websockify, cmake) and the npm modules of the folders that have a
# package.json. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v emcc >/dev/null || need+=(emscripten)
command -v cmake >/dev/null || need+=(cmake)
command -v websockify >/dev/null || need+=(websockify)
[ -x /usr/bin/chromium ] || need+=(chromium)
# the other two browser engines of the browser tests (proxy-app's BrowserEnginesTest), drivers included
[ -x /usr/bin/firefox-esr ] || need+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] || need+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null || need+=(xvfb xauth)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# npm modules, each folder with its own lockfile
for dir in emscripten clients/js transport-webtransport/src/test/js proxy-app/src/test/js; do
  # again when the lockfile changed since (a devDependency added, e.g. clients/js's typescript)
  if [ -f "$dir/package.json" ] && { [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
