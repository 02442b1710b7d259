#!/usr/bin/env bash
# Whole-run benchmark: tsdump / tsload side by side with mydumper / myloader 0.10 (Debian), an
# optional second peer mydumper / myloader 1.0.x (built by you, found through MYDUMPER1 /
# MYLOADER1) and the server's own limit, on a throwaway MariaDB server with a generated dataset.
#
#   make bench                    (= bash bench/whole-run.sh, after `make build`)
#   MYDUMPER1=/path/to/mydumper MYLOADER1=/path/to/myloader make bench    with the 1.0.x peer
#   QUICK=1 bash bench/whole-run.sh        a few-minute run on a 10 % dataset (database bench_quick)
#   TOOLS="mydumper limit" bash bench/whole-run.sh   peers only
#   bash bench/whole-run.sh --summary RESULTS_DIR    print the summary of an earlier run again
#
# Protocol
#   1. Start bench/server.sh's server (PORT, DATADIR) unless one answers already; stop it at the
#      end if this script started it (KEEP_SERVER=1 keeps it running).
#   2. Generate the source database with bench/gen.sh unless it exists with the same row counts.
#   3. For each thread count in THREADS: the dump cells, interleaved as a palindrome (A B C C B A,
#      ROUNDS times), so slow drift of the machine does not favour one cell; then the loads in the
#      same order, each tool loading its own uncompressed dump made at that thread count.
#      Dump cells: tsdump; mydumper 0.10 --rows; mydumper 1.0.x --rows and with its default
#      chunking; INTO OUTFILE; then per method in COMPRESS: tsdump -c gzip|zstd, mydumper 0.10 -c
#      (gzip only), mydumper 1.0.x --rows -c gzip|zstd. Compressed dumps are measured, not loaded.
#      A cell that fails (non-zero exit) is recorded as failed and the run goes on.
#      Before every run: the binary log is reset and dirty pages are flushed; before a dump, every
#      source table is read once (all tools read from a warm buffer pool).
#   4. Every run is timed with /usr/bin/time -v (client user+sys CPU and peak RSS of the largest
#      process, over the whole process tree) plus the wall clock and mariadbd's CPU seconds from
#      /proc/<pid>/stat, and the CPU seconds every OTHER process on the machine used meanwhile
#      (/proc/stat; non-zero means the run was disturbed: rerun on a quiet machine). Every load is verified with CHECKSUM TABLE against the source (columns of
#      a mismatching table are named). The binary log is on for every load (myloader -e).
#   5. Raw runs go to RESULTS_DIR/runs.csv, run logs to RESULTS_DIR/logs/, and the medians and
#      the ratios issue 5 targets to RESULTS_DIR/summary.md (also printed).
#
# Env: PORT (3407) DATADIR (/var/tmp/tsdump-bench/db) SCALE (1; QUICK=1 makes it 0.1)
#      SRC_DB (bench; bench_quick with QUICK=1) DST_DB (bench_copy) THREADS ("2 4")
#      TOOLS ("tsdump mydumper mydumper1 limit"; tsdump = tsdump + tsload, mydumper = mydumper +
#      myloader 0.10 from PATH, mydumper1 = $MYDUMPER1 + $MYLOADER1 (1.0.x; skipped when either is
#      unset), limit = bench/outfile.sh) COMPRESS ("gzip zstd"; "" = no compressed dump cells)
#      ROUNDS (1 palindrome = 2 runs per cell; QUICK: 1) PHASES ("dump load")
#      MYDUMPER_ROWS (500000 × SCALE: mydumper --rows, also the server-limit chunk) TSDUMP_ARGS / TSLOAD_ARGS
#      (extra flags) SOCKET (0; 1: every tool over the server's Unix socket) RESULTS_DIR (/var/tmp/tsdump-bench/results/<timestamp>) KEEP_SERVER (0)
#      KEEP_DUMPS (0)
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/scripts/use-runtime.sh" # node: the project's runtime (make runtime fetches it), >= 22.15

if [ "${1:-}" = --summary ]; then
  exec node "$HERE/summarize.mjs" "${2:?usage: whole-run.sh --summary RESULTS_DIR}"
fi

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then SCALE=${SCALE:-0.1}; SRC_DB=${SRC_DB:-bench_quick}; fi
export PORT=${PORT:-3407}
export DATADIR=${DATADIR:-/var/tmp/tsdump-bench/db}
DATADIR=${DATADIR%/}
export SCALE=${SCALE:-1}
SRC_DB=${SRC_DB:-bench}
DST_DB=${DST_DB:-bench_copy}
THREADS=${THREADS:-2 4}
TOOLS=${TOOLS:-tsdump mydumper mydumper1 limit}
COMPRESS=${COMPRESS-gzip zstd}
MYDUMPER1=${MYDUMPER1:-}
MYLOADER1=${MYLOADER1:-}
ROUNDS=${ROUNDS:-1}
PHASES=${PHASES:-dump load}
# rows per mydumper / server-limit chunk: 500 000 at SCALE=1, scaled with the data so QUICK keeps the shape
MYDUMPER_ROWS=${MYDUMPER_ROWS:-$(awk -v s="$SCALE" 'BEGIN { v = int(500000 * s); print (v < 10000 ? 10000 : v) }')}
TSDUMP_ARGS=${TSDUMP_ARGS:-}
TSLOAD_ARGS=${TSLOAD_ARGS:-}
KEEP_SERVER=${KEEP_SERVER:-0}
KEEP_DUMPS=${KEEP_DUMPS:-0}
RESULTS_DIR=${RESULTS_DIR:-/var/tmp/tsdump-bench/results/$(date +%Y%m%d-%H%M%S)}
HOST=127.0.0.1
# SOCKET=1: every tool's rows go over the server's Unix socket instead of TCP to 127.0.0.1 (the same
# transport for all; over TCP the server spends more CPU beside tsdump: PERFORMANCE.md §3h)
SOCKET=${SOCKET:-0}
if [ "$SOCKET" = 1 ]; then CONN="-S $DATADIR/mariadb.sock"; else CONN="-h $HOST -P $PORT"; fi
TIME=/usr/bin/time
FILES="$DATADIR-files"            # the server's secure_file_priv: every dump goes here
DUMPS="$FILES/dumps"
RUNS_CSV="$RESULTS_DIR/runs.csv"
LOGS="$RESULTS_DIR/logs"

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
sql() { mariadb --no-defaults -h"$HOST" -P"$PORT" -uroot --batch --skip-column-names "$@"; }

# ---------------------------------------------------------------- prerequisites
command -v mariadb >/dev/null || die "mariadb client missing: apt-get install mariadb-client"
[ -x "$TIME" ] || die "$TIME missing: apt-get install time"
selected=()
for tool in $TOOLS; do
  case "$tool" in
    tsdump)
      if [ -f "$ROOT/dist/cli/tsdump.js" ] && [ -f "$ROOT/dist/cli/tsload.js" ]; then selected+=(tsdump)
      else log "skipping tsdump/tsload: dist/cli/tsdump.js or tsload.js not built (run make build)"; fi ;;
    mydumper)
      if command -v mydumper >/dev/null && command -v myloader >/dev/null; then selected+=(mydumper)
      else log "skipping mydumper/myloader 0.10: not installed (apt-get install mydumper)"; fi ;;
    mydumper1)
      if [ -z "$MYDUMPER1" ] || [ -z "$MYLOADER1" ]; then
        log "skipping mydumper/myloader 1.0.x: set MYDUMPER1 and MYLOADER1 to their binaries to include them"
      else
        for b in "$MYDUMPER1" "$MYLOADER1"; do
          [ -x "$b" ] || die "MYDUMPER1/MYLOADER1: '$b' is not an executable file (unset both to skip this peer)"
        done
        selected+=(mydumper1)
      fi ;;
    limit) selected+=(limit) ;;
    *) die "unknown tool '$tool' in TOOLS (tsdump, mydumper, mydumper1, limit)" ;;
  esac
done
[ ${#selected[@]} -gt 0 ] || die "no tool to run"
for c in $COMPRESS; do
  case "$c" in gzip | zstd) ;; *) die "unknown method '$c' in COMPRESS (gzip, zstd)" ;; esac
done
peer_version() { "$1" --version 2>/dev/null | head -1 | sed -E 's/^[a-z]+ v?([0-9][^ ,]*).*/\1/'; }
V0=$(peer_version mydumper); V0=${V0:-0.10}
V1=""
[[ " ${selected[*]} " == *" mydumper1 "* ]] && { V1=$(peer_version "$MYDUMPER1"); V1=${V1:-1.0}; }

# The cells of one thread count, in palindrome order's first half: uncompressed dumps first,
# then the compressed ones; every cell is a dump, a tool id is also a load.
dump_cells=()
for tool in "${selected[@]}"; do
  case "$tool" in mydumper1) dump_cells+=(mydumper1 mydumper1-default) ;; *) dump_cells+=("$tool") ;; esac
done
for c in $COMPRESS; do
  for tool in "${selected[@]}"; do
    case "$tool:$c" in
      tsdump:* | mydumper1:*) dump_cells+=("$tool-$c") ;;
      mydumper:gzip) dump_cells+=(mydumper-gzip) ;;   # 0.10 compresses with gzip only (-c)
    esac
  done
done
load_cells=()
for tool in "${selected[@]}"; do load_cells+=("$tool"); done

# ---------------------------------------------------------------- server
STARTED_SERVER=0
if ! sql -e 'SELECT 1' >/dev/null 2>&1; then
  bash "$HERE/server.sh" start || die "could not start the server"
  STARTED_SERVER=1
fi
cleanup() {
  [ "$KEEP_DUMPS" = 1 ] || rm -rf "$DUMPS"
  sql -e "DROP DATABASE IF EXISTS \`$DST_DB\`" 2>/dev/null
  if [ "$STARTED_SERVER" = 1 ] && [ "$KEEP_SERVER" != 1 ]; then bash "$HERE/server.sh" stop; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

SPID=$(cat "$(sql -e 'SELECT @@pid_file')") || die "cannot read mariadbd's pid file"
[ "$(sql -e 'SELECT @@log_bin')" = 1 ] || die "the server must have the binary log on"
SFP=$(sql -e 'SELECT @@secure_file_priv'); SFP=${SFP%/}
[ "$SFP" = "$FILES" ] || die "server's secure_file_priv is '$SFP', expected $FILES (start it with bench/server.sh)"

# ---------------------------------------------------------------- dataset
gen_params() { # what the dataset was generated from; a change regenerates it
  printf 'db=%s scale=%s orders=%s events=%s nopk=%s dim=%s gen.sh=%s\n' "$SRC_DB" "$SCALE" "${ORDERS_ROWS:-}" \
    "${EVENTS_ROWS:-}" "${NOPK_ROWS:-}" "${DIM_ROWS:-}" "$(sha256sum "$HERE/gen.sh" | cut -c1-12)"
}
MARKER="$DATADIR.gen-$SRC_DB"
ntables=$(sql -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$SRC_DB'")
if [ "$ntables" != 4 ] || [ "$(cat "$MARKER" 2>/dev/null)" != "$(gen_params)" ]; then
  log "generating $SRC_DB (SCALE=$SCALE)"
  rm -f "$MARKER"
  DB=$SRC_DB bash "$HERE/gen.sh" >&2 || die "generation failed"
  gen_params >"$MARKER"
else
  log "dataset $SRC_DB present ($(cat "$MARKER"))"
fi

# ---------------------------------------------------------------- helpers
# CPU seconds used by the whole machine (all processes) so far: "other" CPU = this - client - server
machine_busy() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat; }
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SPID/stat"; }
binlog_bytes() { sql -e 'SHOW BINARY LOGS' | awk '{ s += $2 } END { print s + 0 }'; }
src_tables() {
  sql -e "SELECT table_name FROM information_schema.tables
          WHERE table_schema = '$SRC_DB' AND table_type = 'BASE TABLE' ORDER BY table_name"
}
table_list() { src_tables | sed "s/.*/\`$1\`.\`&\`/" | paste -sd, ; }
checksums() { sql -e "CHECKSUM TABLE $(table_list "$1")" 2>&1 | sed "s/^$1\\.//"; }

settle() { # same starting state for every run: empty binlog, few dirty pages, no pending I/O
  sql -e "RESET MASTER; SET GLOBAL innodb_max_dirty_pages_pct_lwm = 0; SET GLOBAL innodb_max_dirty_pages_pct = 0"
  local d
  for _ in $(seq 1 300); do
    d=$(sql -e "SELECT variable_value FROM information_schema.global_status
                WHERE variable_name = 'INNODB_BUFFER_POOL_PAGES_DIRTY'")
    [ "${d:-0}" -lt 500 ] && break
    sleep 1
  done
  sql -e "SET GLOBAL innodb_max_dirty_pages_pct = DEFAULT; SET GLOBAL innodb_max_dirty_pages_pct_lwm = DEFAULT"
  sync; sleep 2
}

col_digest() { # DB TABLE -> "column digest" lines; FLOAT/DOUBLE compared at full precision
  local exprs
  exprs=$(sql -e "SELECT GROUP_CONCAT(CONCAT('''', column_name, ''', SUM(CRC32(CONCAT_WS(''|'', ',
            IF(data_type IN ('float', 'double'), CONCAT('\`', column_name, '\`*1e0'), CONCAT('\`', column_name, '\`')),
            ', ISNULL(\`', column_name, '\`))))') ORDER BY ordinal_position SEPARATOR ', ')
          FROM information_schema.columns WHERE table_schema = '$SRC_DB' AND table_name = '$2'")
  sql -e "SELECT 'rows', COUNT(*), $exprs FROM \`$1\`.\`$2\`" | tr '\t' '\n' | paste - -
}

verify() { # prints OK or MISMATCH:table(col,col);table(missing)
  local dst t s d cols bad=""
  dst=$(checksums "$DST_DB")
  while read -r t s; do
    d=$(awk -v t="$t" '$1 == t { print $2 }' <<<"$dst")
    [ "$s" = "$d" ] && continue
    if [ -z "$d" ] || [ "$d" = NULL ]; then bad+="$t(missing);"; continue; fi
    cols=$(join <(col_digest "$SRC_DB" "$t" | sort) <(col_digest "$DST_DB" "$t" | sort) |
           awk '$2 != $3 { print $1 }' | paste -sd' ')
    bad+="$t(${cols:-?});"
  done <<<"$SRC_SUMS"
  if [ -z "$bad" ]; then echo OK; else echo "MISMATCH:${bad%;}"; fi
}

# mydumper/myloader 1.0 read /etc/mydumper.cnf when it exists: give them a file of our own
M1CNF="$RESULTS_DIR/mydumper1.cnf"
m1() { echo "'$1' --defaults-file='$M1CNF' $CONN -u root"; }
dump_cmd() { # CELL THREADS OUT
  local ts="env $TSDUMP_ENV node $TSDUMP_FLAGS '$ROOT/dist/cli/tsdump.js' --no-defaults $CONN -u root -B $SRC_DB -o '$3' -t $2 $TSDUMP_ARGS"
  local my="mydumper $CONN -u root -B $SRC_DB -o '$3' -t $2 --rows $MYDUMPER_ROWS"
  local my1="$(m1 "$MYDUMPER1") -B $SRC_DB -o '$3' -t $2"
  case "$1" in
    tsdump)            echo "$ts" ;;
    tsdump-gzip)       echo "$ts -c gzip" ;;
    tsdump-zstd)       echo "$ts -c zstd" ;;
    mydumper)          echo "$my" ;;
    mydumper-gzip)     echo "$my -c" ;;
    mydumper1)         echo "$my1 --rows $MYDUMPER_ROWS" ;;
    mydumper1-default) echo "$my1" ;;
    mydumper1-gzip)    echo "$my1 --rows $MYDUMPER_ROWS -c gzip" ;;
    mydumper1-zstd)    echo "$my1 --rows $MYDUMPER_ROWS -c zstd" ;;
    limit)             echo "bash '$HERE/outfile.sh' dump $HOST $PORT root $SRC_DB '$3' $2 $MYDUMPER_ROWS" ;;
  esac
}
load_cmd() { # TOOL THREADS DIR
  case "$1" in
    tsdump)    echo "env $TSLOAD_ENV node $TSLOAD_FLAGS '$ROOT/dist/cli/tsload.js' --no-defaults $CONN -u root -d '$3' -B $DST_DB -t $2 $TSLOAD_ARGS" ;;
    mydumper)  echo "myloader $CONN -u root -d '$3' -B $DST_DB -t $2 -e" ;;
    mydumper1) echo "$(m1 "$MYLOADER1") -d '$3' -B $DST_DB -t $2 -e" ;;
    limit)     echo "bash '$HERE/outfile.sh' load $HOST $PORT root $DST_DB '$3' $2" ;;
  esac
}
client_name() { # CELL PHASE -> the program that ran, as the summary names it
  case "$1:$2" in
    tsdump:dump) echo tsdump ;; tsdump-gzip:dump) echo "tsdump -c gzip" ;; tsdump-zstd:dump) echo "tsdump -c zstd" ;;
    tsdump:load) echo tsload ;;
    mydumper:dump) echo "mydumper $V0 --rows" ;; mydumper-gzip:dump) echo "mydumper $V0 --rows -c" ;;
    mydumper:load) echo "myloader $V0 -e" ;;
    mydumper1:dump) echo "mydumper $V1 --rows" ;; mydumper1-default:dump) echo "mydumper $V1 default" ;;
    mydumper1-gzip:dump) echo "mydumper $V1 --rows -c gzip" ;; mydumper1-zstd:dump) echo "mydumper $V1 --rows -c zstd" ;;
    mydumper1:load) echo "myloader $V1 -e" ;;
    limit:dump) echo "INTO OUTFILE" ;; limit:load) echo "LOAD DATA INFILE" ;;
  esac
}

timed() { # TOOL PHASE THREADS RUN CMD -> one CSV row; sets LAST_RC
  local tool=$1 phase=$2 t=$3 run=$4 cmd=$5 tf lf t0 t1 c0 c1 m0 m1 other wall user sys rss rc bytes=0 blb=0 chk=""
  tf=$(mktemp "$RESULTS_DIR/time.XXXXXX")
  lf="$LOGS/${phase}-t${t}-${tool}-${run}.log"
  printf '%s\n' "$cmd" >"$lf"
  log "$phase t$t $(client_name "$tool" "$phase") #$run"
  m0=$(machine_busy); c0=$(server_cpu); t0=$(date +%s.%N)
  $TIME -v -o "$tf" bash -c "$cmd" >>"$lf" 2>&1
  t1=$(date +%s.%N); c1=$(server_cpu); m1=$(machine_busy)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  user=$(awk -F': ' '/User time \(seconds\)/ { print $2 }' "$tf")
  sys=$(awk -F': ' '/System time \(seconds\)/ { print $2 }' "$tf")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tf")
  rc=$(awk -F': ' '/Exit status/ { print $2 }' "$tf"); rc=${rc:-99}
  cat "$tf" >>"$lf"; rm -f "$tf"
  LAST_RC=$rc
  other=$(awk -v m="$m1" -v n="$m0" -v s1="$c1" -v s0="$c0" -v u="${user:-0}" -v y="${sys:-0}" \
          'BEGIN { o = (m - n) - (s1 - s0) - u - y; printf "%.1f", (o < 0 ? 0 : o) }')
  if [ "$phase" = dump ]; then
    bytes=$(du -sb "$OUTDIR" 2>/dev/null | cut -f1)
  else
    blb=$(binlog_bytes)
    if [ "$rc" = 0 ]; then chk=$(verify); else chk=FAILED; fi
  fi
  # the verification text may hold commas: it goes last, quoted
  printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,"%s"\n' "$(date +%FT%T)" "$tool" \
    "$(client_name "$tool" "$phase")" "$phase" "$t" "$run" "$wall" "${user:-0}" "${sys:-0}" "${rss:-0}" \
    "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')" "$other" "${bytes:-0}" "$blb" "$rc" "$chk" >>"$RUNS_CSV"
  log "$(printf '  wall %.1f s, client cpu %.1f s, rss %d MiB, other processes %s cpu s, rc %s %s' "$wall" \
    "$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { print u + s }')" "$(( ${rss:-0} / 1024 ))" "$other" "$rc" "$chk")"
  # the tool's last words, not /usr/bin/time's report appended after them
  [ "$rc" = 0 ] || { log "  FAILED, tail of $lf:"; sed -E '/^(Command exited|Command terminated|\tCommand being timed)/,$d' "$lf" | tail -5 | sed 's/^/    /' >&2; }
}

order() { # CELL... -> the palindrome A B C C B A, ROUNDS times
  local fwd=("$@") rev=() i r
  for ((i = ${#fwd[@]} - 1; i >= 0; i--)); do rev+=("${fwd[$i]}"); done
  for ((r = 0; r < ROUNDS; r++)); do printf '%s\n' "${fwd[@]}" "${rev[@]}"; done
}

# ---------------------------------------------------------------- main
mkdir -p "$RESULTS_DIR" "$LOGS" "$DUMPS"
SRC_SUMS=$(checksums "$SRC_DB")
{
  echo "src_db=$SRC_DB"
  echo "rows=$(sql -e "SELECT 0 $(src_tables | sed "s/.*/ + (SELECT COUNT(*) FROM \`$SRC_DB\`.\`&\`)/" | tr -d '\n')")"
  echo "data_bytes=$(sql -e "SELECT SUM(data_length) FROM information_schema.tables WHERE table_schema = '$SRC_DB'")"
  echo "innodb_bytes=$(sql -e "SELECT SUM(data_length + index_length) FROM information_schema.tables WHERE table_schema = '$SRC_DB'")"
  echo "tables=$(sql -e "SELECT GROUP_CONCAT(CONCAT(table_name, ':', table_rows) ORDER BY data_length DESC)
                         FROM information_schema.tables WHERE table_schema = '$SRC_DB'")"
  echo "machine=$(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo) GiB RAM"
  echo "server=MariaDB $(sql -e 'SELECT VERSION()'), buffer pool $(sql -e 'SELECT @@innodb_buffer_pool_size DIV 1048576') MiB, binlog ROW, flush_log_at_trx_commit=2, autoinc_lock_mode=$(sql -e 'SELECT @@innodb_autoinc_lock_mode'), transport $([ "$SOCKET" = 1 ] && echo "Unix socket" || echo "TCP 127.0.0.1")"
  echo "node=$(node --version 2>/dev/null)"
  echo "mydumper=$(mydumper --version 2>/dev/null | head -1)"
  [ -n "$V1" ] && echo "mydumper1=$("$MYDUMPER1" --version 2>/dev/null | head -1) ($MYDUMPER1)"
  echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
  echo "threads=$THREADS"
  echo "tools=${selected[*]}"
  echo "cells=${dump_cells[*]}"
  echo "command=QUICK=$QUICK SCALE=$SCALE THREADS=\"$THREADS\" TOOLS=\"$TOOLS\" COMPRESS=\"$COMPRESS\" ROUNDS=$ROUNDS$([ -n "$V1" ] && echo " MYDUMPER1=… MYLOADER1=…") bash bench/whole-run.sh"
} >"$RESULTS_DIR/meta.env"
echo 'time,tool,client,phase,threads,run,wall_s,user_s,sys_s,maxrss_kb,server_cpu_s,other_cpu_s,bytes,binlog_bytes,rc,verify' >"$RUNS_CSV"
log "results in $RESULTS_DIR; source checksums: $(echo "$SRC_SUMS" | paste -sd' ')"

printf '# written by bench/whole-run.sh: mydumper/myloader 1.0 read this, not /etc/mydumper.cnf\n[mydumper]\n[myloader]\n' >"$M1CNF"

declare -A runno failed_dump
loaded() { [[ " ${load_cells[*]} " == *" $1 "* ]] && [[ " $PHASES " == *" load "* ]]; }
for t in $THREADS; do
  if [[ " $PHASES " == *" dump "* ]]; then
    for cell in $(order "${dump_cells[@]}"); do
      OUTDIR="$DUMPS/$cell-t$t"
      rm -rf "$OUTDIR"
      case "$cell" in mydumper | mydumper-gzip) mkdir -p "$OUTDIR" ;; esac   # 0.10 wants it to exist
      settle
      sql -e "CHECKSUM TABLE $(table_list "$SRC_DB")" >/dev/null   # warm: every tool reads from memory
      runno[dump$cell$t]=$(( ${runno[dump$cell$t]:-0} + 1 ))
      timed "$cell" dump "$t" "${runno[dump$cell$t]}" "$(dump_cmd "$cell" "$t" "$OUTDIR")"
      if [ "$LAST_RC" = 0 ]; then unset "failed_dump[$cell$t]"; else failed_dump[$cell$t]=1; fi   # the last one counts
      # a dump nobody loads is measured (its size is in runs.csv) and removed
      loaded "$cell" || [ "$KEEP_DUMPS" = 1 ] || rm -rf "$OUTDIR"
    done
  fi
  if [[ " $PHASES " == *" load "* ]]; then
    for tool in $(order "${load_cells[@]}"); do
      OUTDIR="$DUMPS/$tool-t$t"
      if [ ! -d "$OUTDIR" ]; then log "no $tool dump at t$t to load (PHASES without dump?); skipping"; continue; fi
      if [ -n "${failed_dump[$tool$t]:-}" ]; then log "a $tool dump at t$t failed: not loading it"; continue; fi
      sql -e "DROP DATABASE IF EXISTS \`$DST_DB\`"
      # myloader 0.10 expects the target database to exist; tsload and myloader 1.0 create their own
      [ "$tool" = mydumper ] && sql -e "CREATE DATABASE \`$DST_DB\` CHARACTER SET utf8mb4"
      settle
      runno[load$tool$t]=$(( ${runno[load$tool$t]:-0} + 1 ))
      timed "$tool" load "$t" "${runno[load$tool$t]}" "$(load_cmd "$tool" "$t" "$OUTDIR")"
    done
  fi
  [ "$KEEP_DUMPS" = 1 ] || for cell in "${dump_cells[@]}"; do rm -rf "$DUMPS/$cell-t$t"; done
done
sql -e "DROP DATABASE IF EXISTS \`$DST_DB\`; RESET MASTER"
node "$HERE/summarize.mjs" "$RESULTS_DIR" | tee "$RESULTS_DIR/summary.md"
