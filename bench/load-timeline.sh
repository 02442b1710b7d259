#!/usr/bin/env bash
# A timeline of one load: what ran when (per table: its data chunks, its index build, its
# verification) and how busy the cores were meanwhile (mariadbd's and the loader's CPU, and the
# whole machine's idle time, sampled every 0.5 s from /proc). Prints a per-second chart and the
# spans; the raw samples and events stay in OUT.
#
#   bash bench/load-timeline.sh DUMP_DIR OUT_DIR [-- extra tsload arguments]
#   LOADER="…command…" bash bench/load-timeline.sh DUMP_DIR OUT_DIR   (any loader: only the CPU chart)
#
# Env: PORT (3407), DATADIR (the server's, for its pid; /var/tmp/tsdump-bench/db), DST_DB (bench_copy), THREADS (2), HOST (127.0.0.1).
# Before the run the target database is dropped, the binary log reset and dirty pages flushed
# (the same starting state as whole-run.sh).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DUMP=${1:?dump dir}
OUT=${2:?out dir}
shift 2
[ "${1:-}" = "--" ] && shift
PORT=${PORT:-3407}
HOST=${HOST:-127.0.0.1}
DST_DB=${DST_DB:-bench_copy}
THREADS=${THREADS:-2}
sql() { mariadb --no-defaults -h"$HOST" -P"$PORT" -uroot -N -B "$@"; }
mkdir -p "$OUT"

sql -e "DROP DATABASE IF EXISTS \`$DST_DB\`; RESET MASTER; SET GLOBAL innodb_max_dirty_pages_pct_lwm = 0; SET GLOBAL innodb_max_dirty_pages_pct = 0"
for _ in $(seq 1 300); do
  d=$(sql -e "SELECT variable_value FROM information_schema.global_status WHERE variable_name = 'INNODB_BUFFER_POOL_PAGES_DIRTY'")
  [ "${d:-0}" -lt 500 ] && break
  sleep 1
done
sql -e "SET GLOBAL innodb_max_dirty_pages_pct = DEFAULT; SET GLOBAL innodb_max_dirty_pages_pct_lwm = DEFAULT"
sync
sleep 2

SPID=$(DATADIR=${DATADIR:-/var/tmp/tsdump-bench/db} bash "$HERE/server.sh" pid)

# ticks of a process tree (utime+stime of the process and its threads; children counted when reaped)
tree_ticks() {
  local p sum=0 f
  for p in "$@"; do
    f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    f=${f##*) }
    set -- $f
    sum=$((sum + ${12} + ${13}))
  done
  echo $sum
}
sample() { # t_ms server_ticks client_ticks cpu_busy cpu_total cpu_iowait
  local cpid=$1 line
  while kill -0 "$cpid" 2>/dev/null; do
    read -r line </proc/stat
    set -- $line
    local busy=$(($2 + $3 + $4 + $7 + $8)) total=$(($2 + $3 + $4 + $5 + $6 + $7 + $8))
    echo "$(date +%s%3N) $(tree_ticks "$SPID") $(tree_ticks "$cpid" $(pgrep -P "$cpid" || true)) $busy $total $6"
    sleep 0.5
  done
}

# per thread of mariadbd and of the loader: ns on a CPU and ns runnable but waiting for one
# (/proc/<pid>/task/<tid>/schedstat): the rest of a thread's time it was blocked (a lock, I/O, the
# client), which tells a waiting thread from a starved one even on a busy machine
threads() {
  local cpid=$1 f line
  while kill -0 "$cpid" 2>/dev/null; do
    local now; now=$(date +%s%3N)
    for f in /proc/"$SPID"/task/*/schedstat /proc/"$cpid"/task/*/schedstat; do
      local tid=${f%/schedstat} who=s
      [[ $f == /proc/$cpid/* ]] && who=c
      read -r line <"$f" 2>/dev/null && echo "$now $who${tid##*/} $line"
    done
    sleep 0.5
  done
}

start=$(date +%s%3N)
if [ -n "${LOADER:-}" ]; then
  bash -c "exec $LOADER" >"$OUT/events.jsonl" 2>"$OUT/stderr" &
else
  node "$ROOT/dist/cli/tsload.js" --no-defaults -h "$HOST" -P "$PORT" -u root -d "$DUMP" -B "$DST_DB" -t "$THREADS" --progress json "$@" >"$OUT/events.jsonl" 2>"$OUT/stderr" &
fi
cpid=$!
sample "$cpid" >"$OUT/samples.txt" &
spid_sampler=$!
# the server's view, once a second: redo checkpoint age, dirty pages, waits for free pages / log space
status() {
  local cpid=$1
  while kill -0 "$cpid" 2>/dev/null; do
    echo "$(date +%s%3N) $(sql -e "SELECT GROUP_CONCAT(CONCAT(variable_name, '=', variable_value) SEPARATOR ' ') FROM information_schema.global_status WHERE variable_name IN ('INNODB_CHECKPOINT_AGE', 'INNODB_BUFFER_POOL_PAGES_DIRTY', 'INNODB_BUFFER_POOL_WAIT_FREE', 'INNODB_LOG_WAITS', 'THREADS_RUNNING', 'INNODB_DATA_PENDING_WRITES', 'INNODB_DATA_WRITTEN', 'INNODB_OS_LOG_WRITTEN')" 2>/dev/null)"
    sleep 1
  done
}
status "$cpid" >"$OUT/status.txt" &
status_sampler=$!
threads "$cpid" >"$OUT/threads.txt" &
threads_sampler=$!
rc=0
wait "$cpid" || rc=$?
wait "$spid_sampler" "$status_sampler" "$threads_sampler" || true
end=$(date +%s%3N)
echo "rc=$rc wall_ms=$((end - start)) start_ms=$start" >"$OUT/run.txt"
node "$HERE/timeline.mjs" "$OUT"
exit $rc
