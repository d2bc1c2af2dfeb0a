#!/usr/bin/env bash
# Builds the modules (no tests) if any source is newer than the last build: the deployable proxy
# proxy-app/target/sockbridge-proxy.jar (with the browser client and demo page inside), and the runtime
# classpath of the proxy-app module (tests, benchmarks) in proxy-app/target/classpath.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=proxy-app/target/classpath.txt
jar=proxy-app/target/sockbridge-proxy.jar
stale() {
  [ ! -f "$stamp" ] || [ ! -f "$jar" ] && return 0
  # the jar carries clients/js (src, demo) and the cbor-x modules the page loads
  [ -f clients/js/node_modules/cbor-x/decode.js ] && [ ! -f proxy-app/target/classes/sockbridge-web/node_modules/cbor-x/decode.js ] && return 0
  [ -n "$(find . \( -name '*.java' -o -name 'pom.xml' -o -path '*/resources/*' -o -path './clients/js/src/*' -o -path './clients/js/demo/*' \) \
      -newer "$stamp" -not -path '*/target/*' -not -path '*/node_modules/*' 2>/dev/null | head -1)" ]
}
if stale; then
  echo "build: mvn install -DskipTests" >&2
  mvn -q -B -ntp -Dstyle.color=never install -DskipTests >&2
  mvn -q -B -ntp -Dstyle.color=never -pl proxy-app dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >&2
  touch "$stamp"
fi
