#!/usr/bin/env bash
# Runs the Emscripten programs (built by build.sh) against Sockbridge's Java proxy instead of
# Emscripten's reference proxy + websockify. The proxy must already be running and serve:
#   - the PROXY_POSIX_SOCKETS front end (EmscriptenPosixSession) at a WebSocket URL, and
#   - the websockify bridge (WebsockifyBridge) at URLs that name the target, i.e. routes using
#     BridgeTargets.fromUrl: e.g. ws://HOST:PORT/tcp?target={target} (TCP) and
#     ws://HOST:PORT/udp?target={target} (UDP), where run-all.js fills {target} with
#     127.0.0.1:PORT of the native server each program needs.
#
#   usage: ./run-against-java.sh --posix-url ws://127.0.0.1:P/posix \
#              [--bridge-url 'ws://127.0.0.1:P/tcp?target={target}'] \
#              [--bridge-udp-url 'ws://127.0.0.1:P/udp?target={target}'] \
#              [--build-dir DIR] [any other run-all.js option, e.g. --only REGEX --verbose]
#
# Either URL may be left out to run only that half. Expected with both: 13 passed, 0 failed.
# Exit code: run-all.js's (0 only when every program that ran passed).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POSIX="" TCP="" UDP="" REST=()
while [ $# -gt 0 ]; do
  case "$1" in
    --posix-url) POSIX="$2"; shift 2 ;;
    --bridge-url) TCP="$2"; shift 2 ;;
    --bridge-udp-url) UDP="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) REST+=("$1"); shift ;;
  esac
done
if [ -z "$POSIX" ] && [ -z "$TCP" ] && [ -z "$UDP" ]; then
  echo "run-against-java.sh: give --posix-url and/or --bridge-url/--bridge-udp-url (--help)" >&2
  exit 2
fi
for u in "$TCP" "$UDP"; do
  if [ -n "$u" ] && [[ "$u" != *"{target}"* ]]; then
    echo "run-against-java.sh: bridge URL must contain {target}: $u" >&2
    exit 2
  fi
done
ARGS=()
[ -n "$POSIX" ] && ARGS+=(--posix-url "$POSIX")
[ -n "$TCP" ] && ARGS+=(--sockfs-url-template "$TCP")
[ -n "$UDP" ] && ARGS+=(--sockfs-udp-url-template "$UDP")
exec node "$HERE/run-all.js" "${ARGS[@]}" ${REST[@]+"${REST[@]}"}
