#!/usr/bin/env bash
# Puts the table of the last bench.sh run (out/bench/table.md, or TABLE_MD) into the README
# sections it belongs to: between the lines `<!-- emscripten-bench:begin -->` and
# `<!-- emscripten-bench:end -->` of the top-level README.md and of emscripten/bench/README.md.
# Nothing else in those files changes; write the prose around the markers by hand.
#   usage: bench/put-table.sh [TABLE_MD] [NOTE]    NOTE: one line put above the table, e.g. the load
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TABLE="${1:-$HERE/../out/bench/table.md}"
NOTE="${2:-}"
[ -s "$TABLE" ] || { echo "put-table.sh: no table at $TABLE (run bench.sh first)" >&2; exit 1; }
for f in "$HERE/../../README.md" "$HERE/README.md"; do
  grep -q '^<!-- emscripten-bench:begin -->$' "$f" && grep -q '^<!-- emscripten-bench:end -->$' "$f" ||
    { echo "put-table.sh: markers missing in $f" >&2; exit 1; }
  awk -v table="$TABLE" -v note="$NOTE" '
    /^<!-- emscripten-bench:begin -->$/ { print; if (note != "") { print note; print "" }
      while ((getline line < table) > 0) print line; close(table); skip = 1; next }
    /^<!-- emscripten-bench:end -->$/ { skip = 0 }
    !skip { print }' "$f" >"$f.tmp"
  mv "$f.tmp" "$f"
  echo "put-table.sh: updated $(cd "$(dirname "$f")" && pwd)/$(basename "$f")"
done
