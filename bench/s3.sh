#!/usr/bin/env bash
# Dump and load through a local S3 API server vs the local disk, on the bench dataset.
#
#   bash bench/s3.sh                  (after make build; starts bench/server.sh's server if none answers)
#   SCALE=0.01 ROUNDS=1 bash bench/s3.sh    a smoke run of a minute or two
#
# Protocol
#   1. The bench server (bench/server.sh) and the dataset (bench/gen.sh, database SRC_DB at SCALE).
#   2. An S3 API server on 127.0.0.1 and a free port: s3rver (the tests' server,
#      test/support/s3rver-child.mjs; a dev dependency), data under OUT/s3rver, random credentials.
#      It is a Node.js process on the same cores: its CPU seconds are reported, since on a small
#      machine it competes with the tools and the database (a real object store does not).
#   3. ROUNDS times, interleaved disk s3 s3 disk: tsdump -o DIR vs -o s3://bench/dump-N, then
#      tsload of each dump into DST_DB (dropped before each load), every run under /usr/bin/time -v
#      (wall, client CPU, peak RSS of the largest process).
#   4. A table of medians and the s3/disk ratio of wall time and peak RSS, to stdout and OUT/summary.md.
#
# Env: PORT (3407) SCALE (1) SRC_DB (bench_s3_<SCALE>) DST_DB (bench_s3_copy) THREADS (2) ROUNDS (2)
#      OUT (/var/tmp/tsdump-bench/s3) TSDUMP_ARGS / TSLOAD_ARGS (extra flags) KEEP (0: remove dumps and
#      the copy afterwards)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/scripts/use-runtime.sh" # node: the project's runtime; TSDUMP_ENV, TSDUMP_FLAGS (and TSLOAD_…): the bins' environment and V8 flags
export PORT=${PORT:-3407}
export SCALE=${SCALE:-1}
SRC_DB=${SRC_DB:-bench_s3_${SCALE//./_}}
DST_DB=${DST_DB:-bench_s3_copy}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
OUT=${OUT:-/var/tmp/tsdump-bench/s3}
KEEP=${KEEP:-0}
TSDUMP_ARGS=${TSDUMP_ARGS:-}
TSLOAD_ARGS=${TSLOAD_ARGS:-}
cli() { mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uroot "$@"; }
conn=(--no-defaults -h 127.0.0.1 -P "$PORT" -u root)

started_server=0
if ! cli -e 'SELECT 1' >/dev/null 2>&1; then bash "$HERE/server.sh" start >&2; started_server=1; fi
if [ -z "$(cli -N -e "SHOW DATABASES LIKE '$SRC_DB'")" ]; then
  echo "generating $SRC_DB (SCALE=$SCALE)" >&2
  DB=$SRC_DB bash "$HERE/gen.sh" >/dev/null
fi

rm -rf "$OUT" && mkdir -p "$OUT/s3rver" "$OUT/time"
key="AKBENCH$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
secret=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
node --openssl-legacy-provider --no-warnings "$ROOT/test/support/s3rver-child.mjs" \
  "{\"dir\":\"$OUT/s3rver\",\"accessKeyId\":\"$key\",\"secretAccessKey\":\"$secret\",\"buckets\":[\"bench\"]}" >"$OUT/s3rver.out" 2>"$OUT/s3rver.err" &
s3pid=$!
cleanup() {
  kill "$s3pid" 2>/dev/null || true
  wait "$s3pid" 2>/dev/null || true
  cli -e "DROP DATABASE IF EXISTS \`$DST_DB\`" 2>/dev/null || true
  [ "$KEEP" = 1 ] || rm -rf "$OUT/s3rver" "$OUT"/disk-*
  [ "$started_server" = 1 ] && bash "$HERE/server.sh" stop >&2 || true
}
trap cleanup EXIT
for _ in $(seq 100); do grep -q port "$OUT/s3rver.out" 2>/dev/null && break; sleep 0.1; done
s3port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$OUT/s3rver.out")
[ -n "$s3port" ] || { echo "s3rver did not start: $(cat "$OUT/s3rver.err")" >&2; exit 1; }
export AWS_ENDPOINT_URL="http://127.0.0.1:$s3port" AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3

cpu_of() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }
field() { awk -F': ' -v k="$2" '$1 ~ k { print $2 }' "$1"; }
echo "store,phase,round,wall_s,client_cpu_s,peak_rss_mib,s3rver_cpu_s" >"$OUT/runs.csv"
run() { # store phase round location
  local store=$1 phase=$2 round=$3 loc=$4 t="$OUT/time/$1-$2-$3" before after
  before=$(cpu_of "$s3pid")
  if [ "$phase" = dump ]; then
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$t" env $TSDUMP_ENV node $TSDUMP_FLAGS "$ROOT/dist/cli/tsdump.js" "${conn[@]}" -B "$SRC_DB" -o "$loc" -t "$THREADS" -q $TSDUMP_ARGS
  else
    cli -e "DROP DATABASE IF EXISTS \`$DST_DB\`"
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$t" env $TSLOAD_ENV node $TSLOAD_FLAGS "$ROOT/dist/cli/tsload.js" "${conn[@]}" -d "$loc" -B "$DST_DB" -t "$THREADS" -q $TSLOAD_ARGS
  fi
  after=$(cpu_of "$s3pid")
  local wall cpu rss
  wall=$(field "$t" 'Elapsed' | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$t")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$t")
  echo "$store,$phase,$round,$wall,$cpu,$rss,$(awk -v a="$before" -v b="$after" -v s="$store" 'BEGIN { print (s == "s3" ? b - a : 0) }')" >>"$OUT/runs.csv"
  echo "$store $phase round $round: ${wall}s, ${cpu} CPU s, ${rss} MiB" >&2
}
for r in $(seq "$ROUNDS"); do
  for store in disk s3 s3 disk; do
    loc=$([ "$store" = disk ] && echo "$OUT/disk-$r-$store-$RANDOM" || echo "s3://bench/dump-$r-$RANDOM")
    run "$store" dump "$r" "$loc"
    run "$store" load "$r" "$loc"
  done
done

node - "$OUT/runs.csv" <<'EOF' | tee "$OUT/summary.md"
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const pick = (store, phase, col) => rows.filter((r) => r[0] === store && r[1] === phase).map((r) => Number(r[col]));
console.log('| phase | disk wall s | s3 wall s | s3/disk wall | disk peak RSS MiB | s3 peak RSS MiB | s3/disk RSS | s3rver CPU s |');
console.log('|---|---|---|---|---|---|---|---|');
for (const phase of ['dump', 'load']) {
  const [dw, sw, dr, sr, sc] = [pick('disk', phase, 3), pick('s3', phase, 3), pick('disk', phase, 5), pick('s3', phase, 5), pick('s3', phase, 6)].map(med);
  console.log(`| ${phase} | ${dw.toFixed(2)} | ${sw.toFixed(2)} | ${(sw / dw).toFixed(2)}x | ${dr} | ${sr} | ${(sr / dr).toFixed(2)}x | ${sc.toFixed(1)} |`);
}
EOF
