#!/usr/bin/env bash
# Runs every test: installs what is missing, builds the Emscripten programs, then runs Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -x emscripten/build.sh ]; then
  echo "test: building Emscripten programs"
  bash emscripten/build.sh emscripten/out >/dev/null
fi
exec mvn -B -ntp verify "$@"
