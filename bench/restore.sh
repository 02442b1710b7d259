#!/usr/bin/env bash
# Restoring the backups people already have (issue 14): a mariadb-dump file of the bench dataset
# loaded by tsload at its default threads vs `mariadb < file`, and a mydumper directory of the same
# data loaded by tsload vs myloader.
#
#   bash bench/restore.sh                      (after make build; starts bench/server.sh's server if none answers)
#   SCALE=0.05 ROUNDS=1 bash bench/restore.sh  a smoke run of a few minutes
#
# Protocol
#   1. The bench server (bench/server.sh) and the dataset (bench/gen.sh, database SRC_DB at SCALE).
#   2. Once: `mariadb-dump --hex-blob --single-transaction --databases SRC_DB` → OUT/dump.sql, and
#      `mydumper -B SRC_DB -r MYDUMPER_ROWS` → OUT/mydumper (the chunking whole-run.sh uses).
#   3. ROUNDS times, interleaved: mariadb < dump.sql, tsload -d dump.sql, tsload -d mydumper,
#      myloader -d mydumper, each into DST_DB (dropped before each load; the dump file names its
#      database, so `mariadb` loads a copy of it with the name rewritten on the way in by sed, which
#      costs it a little CPU: its time is a lower bound of what it needs),
#      every run under /usr/bin/time -v, and every load checked with CHECKSUM TABLE against the source
#      (the tables that differ are listed: small_dim's FLOAT column differs for every tool, since both
#      mariadb-dump and mydumper print FLOAT values rounded).
#   4. A table of medians and tsload/mariadb, tsload/myloader ratios: stdout and OUT/summary.md.
#
# Env: PORT (3407) SCALE (1) SRC_DB (bench_restore_<SCALE>) DST_DB (bench_restore_copy) ROUNDS (2)
#      THREADS (tsload's default: CPU cores; myloader gets the same) MYDUMPER_ROWS (500000 × SCALE)
#      OUT (/var/tmp/tsdump-bench/restore) KEEP (0: remove the dumps afterwards)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/scripts/use-runtime.sh" # node: the project's runtime; TSDUMP_ENV, TSDUMP_FLAGS (and TSLOAD_…): the bins' environment and V8 flags
export PORT=${PORT:-3407}
export SCALE=${SCALE:-1}
SRC_DB=${SRC_DB:-bench_restore_${SCALE//./_}}
DST_DB=${DST_DB:-bench_restore_copy}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-$(nproc)}
MYDUMPER_ROWS=${MYDUMPER_ROWS:-$(awk -v s="$SCALE" 'BEGIN { v = int(500000 * s); print (v < 1000 ? 1000 : v) }')}
OUT=${OUT:-/var/tmp/tsdump-bench/restore}
KEEP=${KEEP:-0}
cli() { mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uroot "$@"; }
conn=(--no-defaults -h 127.0.0.1 -P "$PORT" -u root)

started_server=0
if ! cli -e 'SELECT 1' >/dev/null 2>&1; then bash "$HERE/server.sh" start >&2; started_server=1; fi
cleanup() {
  cli -e "DROP DATABASE IF EXISTS \`$DST_DB\`; DROP DATABASE IF EXISTS tsload_progress" 2>/dev/null || true
  [ "$KEEP" = 1 ] || rm -rf "$OUT/dump.sql" "$OUT/mydumper"
  [ "$started_server" = 1 ] && bash "$HERE/server.sh" stop >&2 || true
}
trap cleanup EXIT
if [ -z "$(cli -N -e "SHOW DATABASES LIKE '$SRC_DB'")" ]; then
  echo "generating $SRC_DB (SCALE=$SCALE)" >&2
  DB=$SRC_DB bash "$HERE/gen.sh" >/dev/null
fi

mkdir -p "$OUT/time"
echo "dumping $SRC_DB with mariadb-dump and mydumper" >&2
mariadb-dump "${conn[@]}" --hex-blob --single-transaction --databases "$SRC_DB" >"$OUT/dump.sql"
rm -rf "$OUT/mydumper"
mydumper -h 127.0.0.1 -P "$PORT" -u root -B "$SRC_DB" -r "$MYDUMPER_ROWS" -t "$THREADS" -o "$OUT/mydumper" >/dev/null 2>&1
tables=$(cli -N -e "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$SRC_DB' AND TABLE_TYPE = 'BASE TABLE'")
sums() { local db=$1 list="" t; for t in ${tables//,/ }; do list+="${list:+,}\`$db\`.\`$t\`"; done; cli -N -e "CHECKSUM TABLE $list" | awk '{ n = split($1, p, "."); print p[n], $2 }'; }
want=$(sums "$SRC_DB")

field() { awk -F': ' -v k="$2" '$1 ~ k { print $2 }' "$1"; }
echo "tool,round,wall_s,client_cpu_s,peak_rss_mib,checksums" >"$OUT/runs.csv"
run() { # tool round
  local tool=$1 round=$2 t="$OUT/time/$1-$2"
  cli -e "DROP DATABASE IF EXISTS \`$DST_DB\`; DROP DATABASE IF EXISTS tsload_progress"
  case $tool in
    mariadb) /usr/bin/time -v -o "$t" bash -c "sed 's/\`$SRC_DB\`/\`$DST_DB\`/g' '$OUT/dump.sql' | mariadb --no-defaults -h127.0.0.1 -P$PORT -uroot" ;;
    tsload-sql) /usr/bin/time -v -o "$t" env $TSLOAD_ENV node $TSLOAD_FLAGS "$ROOT/dist/cli/tsload.js" "${conn[@]}" -d "$OUT/dump.sql" --rename "$SRC_DB=$DST_DB" -q ;;
    tsload-mydumper) /usr/bin/time -v -o "$t" env $TSLOAD_ENV node $TSLOAD_FLAGS "$ROOT/dist/cli/tsload.js" "${conn[@]}" -d "$OUT/mydumper" --rename "$SRC_DB=$DST_DB" -q ;;
    myloader) /usr/bin/time -v -o "$t" myloader -h 127.0.0.1 -P "$PORT" -u root -d "$OUT/mydumper" -B "$DST_DB" -t "$THREADS" -e ;;
  esac
  local wall cpu rss ok=ok
  wall=$(field "$t" 'Elapsed' | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$t")
  rss=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$t")
  # tables whose CHECKSUM differs from the source's (small_dim's FLOAT column: both dump formats print FLOAT rounded)
  ok=$(join <(echo "$want") <(sums "$DST_DB") | awk '$2 != $3 { printf "%s%s", (n++ ? "+" : ""), $1 } END { if (!n) printf "ok" }')
  echo "$tool,$round,$wall,$cpu,$rss,$ok" | tee -a "$OUT/runs.csv" >&2
}
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="mariadb tsload-sql tsload-mydumper myloader"; else order="myloader tsload-mydumper tsload-sql mariadb"; fi
  for tool in $order; do run "$tool" "$r"; done
done

median() { awk -F, -v t="$1" -v c="$2" '$1 == t { print $c }' "$OUT/runs.csv" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
{
  echo "# restore of a mariadb-dump file and a mydumper directory (SCALE=$SCALE, $(du -sh "$OUT/dump.sql" | cut -f1) of SQL, $ROUNDS rounds, $THREADS threads, $(nproc) cores)"
  echo
  echo "| tool | wall s (median) | client CPU s | peak RSS MiB | checksums |"
  echo "|---|---|---|---|---|"
  for tool in mariadb tsload-sql tsload-mydumper myloader; do
    echo "| $tool | $(median "$tool" 3) | $(median "$tool" 4) | $(median "$tool" 5) | $(awk -F, -v t="$tool" '$1 == t { print $6 }' "$OUT/runs.csv" | sort -u | paste -sd/) |"
  done
  echo
  awk -v a="$(median tsload-sql 3)" -v b="$(median mariadb 3)" 'BEGIN { printf "tsload (mariadb-dump file) / mariadb < file: %.2f× the time (target ≤ 0.70)\n", a / b }'
  awk -v a="$(median tsload-mydumper 3)" -v b="$(median myloader 3)" 'BEGIN { printf "tsload (mydumper directory) / myloader: %.2f× the time\n", a / b }'
} | tee "$OUT/summary.md"
