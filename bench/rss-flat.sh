#!/usr/bin/env bash
# Peak client memory when the largest table grows 4x: issue 5 wants it flat (within 10 %).
#
#   bash bench/rss-flat.sh            (after make build, with bench/server.sh's server running)
#
# Generates two databases with bench/gen.sh holding only an `orders`-shaped table, of ROWS and
# 4 x ROWS rows (default 1 000 000 and 4 000 000; the other tables get one row), then dumps each
# with tsdump and loads each dump with tsload at default settings (-t = cores), under
# /usr/bin/time -v, and prints the peak RSS of each run and the change from small to large.
# Env: PORT (3407) ROWS (1000000) OUT (/var/tmp/tsdump-bench/rss-flat) KEEP (0: drop the
# databases and dumps afterwards).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/scripts/use-runtime.sh" # node: the project's runtime (make runtime fetches it), >= 22.15
PORT=${PORT:-3407}
ROWS=${ROWS:-1000000}
OUT=${OUT:-/var/tmp/tsdump-bench/rss-flat}
KEEP=${KEEP:-0}
# what the bins' shebang (src/cli/tsdump.ts) gives node when they are run as installed
cli() { mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uroot "$@"; }
conn=(--no-defaults -h 127.0.0.1 -P "$PORT" -u root)

cli -e 'SELECT 1' >/dev/null || { echo "no server on port $PORT: bash bench/server.sh start" >&2; exit 1; }
mkdir -p "$OUT"
peak() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }

declare -A rss
for n in "$ROWS" $((4 * ROWS)); do
  db="rss_flat_$n"
  if [ "$(cli -N -e "SELECT COUNT(*) FROM \`$db\`.orders" 2>/dev/null || echo 0)" != "$n" ]; then
    echo "generating $db ($n rows)" >&2
    DB=$db ORDERS_ROWS=$n EVENTS_ROWS=1 NOPK_ROWS=1 DIM_ROWS=1 bash "$HERE/gen.sh" >/dev/null
  fi
  rm -rf "$OUT/$db"
  /usr/bin/time -v -o "$OUT/time-dump-$n" env $TSDUMP_ENV node $TSDUMP_FLAGS "$ROOT/dist/cli/tsdump.js" "${conn[@]}" -B "$db" -o "$OUT/$db" -q
  rss[dump-$n]=$(peak "$OUT/time-dump-$n")
  cli -e "DROP DATABASE IF EXISTS \`${db}_copy\`"
  /usr/bin/time -v -o "$OUT/time-load-$n" env $TSLOAD_ENV node $TSLOAD_FLAGS "$ROOT/dist/cli/tsload.js" "${conn[@]}" -d "$OUT/$db" -B "${db}_copy" -q
  rss[load-$n]=$(peak "$OUT/time-load-$n")
  cli -e "DROP DATABASE IF EXISTS \`${db}_copy\`"
  echo "$n rows: tsdump ${rss[dump-$n]} MiB, tsload ${rss[load-$n]} MiB" >&2
done

big=$((4 * ROWS))
echo "| tool | peak RSS, $ROWS rows (MiB) | peak RSS, $big rows (MiB) | change |"
echo "|---|---|---|---|"
for tool in dump load; do
  a=${rss[$tool-$ROWS]} b=${rss[$tool-$big]}
  echo "| ts$tool | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%+.0f %%", 100 * (b - a) / a }') |"
done
if [ "$KEEP" != 1 ]; then
  for n in "$ROWS" "$big"; do cli -e "DROP DATABASE IF EXISTS \`rss_flat_$n\`"; done
  rm -rf "$OUT"
fi
