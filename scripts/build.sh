#!/usr/bin/env bash
# Builds the modules (no tests) if any source is newer than the last build, and writes the runtime
# classpath of the proxy-app module (the runnable proxy) to proxy-app/target/classpath.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=proxy-app/target/classpath.txt
if [ ! -f "$stamp" ] || [ -n "$(find . \( -name '*.java' -o -name 'pom.xml' -o -path '*/resources/*' \) -newer "$stamp" -not -path '*/target/*' -not -path '*/node_modules/*' 2>/dev/null | head -1)" ]; then
  echo "build: mvn install -DskipTests" >&2
  mvn -q -B -ntp -Dstyle.color=never install -DskipTests >&2
  mvn -q -B -ntp -Dstyle.color=never -pl proxy-app dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >&2
fi
