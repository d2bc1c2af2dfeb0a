#!/usr/bin/env bash
# Runs a benchmark program and prints its table.  usage: scripts/bench.sh core|websocket|hostile|browser|dgram|... [args]
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-core}"; shift || true
if [ "$which" = browser ]; then
  # the browser benchmark (clients/js/bench): the runnable proxy, Chromium and Firefox ESR from Debian
  bash scripts/setup.sh >/dev/null
  if ! command -v firefox-esr >/dev/null; then
    echo "bench: installing firefox-esr" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends firefox-esr >/dev/null \
      || echo "bench: firefox-esr could not be installed; Chromium only" >&2
  fi
  bash scripts/build.sh
  exec node clients/js/bench/run.mjs "$@"
fi
if [ "$which" = dgram ]; then
  # UDP game loop in Chromium: Sockbridge datagrams vs SOCKFS under loss (root: network namespace, iptables)
  exec bash emscripten/bench-dgram.sh "$@"
fi
if [ "$which" = emscripten ]; then
  bash scripts/setup.sh >/dev/null
  exec bash emscripten/bench.sh "$@"
fi
if [ ! -f benchmarks/target/classpath.txt ] || [ -n "$(find . -name '*.java' -newer benchmarks/target/classpath.txt -not -path '*/target/*' | head -1)" ]; then
  # Maven 3.8 writes colour resets to stdout even when told not to colour: keep them out of the table
  mvn -q -B -ntp -Dstyle.color=never install -DskipTests -pl benchmarks -am >&2
  mvn -q -B -ntp -Dstyle.color=never -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
fi
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
case "$which" in
  core) main=dev.sockbridge.benchmarks.CoreBenchmark ;;
  websocket) main=dev.sockbridge.benchmarks.WebSocketBenchmark ;;
  emscripten) main=dev.sockbridge.benchmarks.EmscriptenBenchmark ;;
  webtransport) main=dev.sockbridge.benchmarks.WebTransportBenchmark ;;
  hostile) main=dev.sockbridge.benchmarks.HostileLoadBenchmark ;;
  *) echo "unknown benchmark: $which" >&2; exit 2 ;;
esac
exec java -Xmx2g -Djava.util.logging.config.file=scripts/logging-quiet.properties -Dlogback.configurationFile=scripts/logback-quiet.xml -cp "$CP" "$main" "$@"
