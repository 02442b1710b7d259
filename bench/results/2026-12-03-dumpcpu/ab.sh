#!/usr/bin/env bash
# Interleaved dump runs: CELLS="name=cmd-with-OUT ..." via a cells file (one "name<TAB>command" a line,
# OUT replaced by the output dir). Palindrome ROUNDS times; warm pool; settle; /usr/bin/time.
# usage: ab.sh CELLSFILE RESULTS.csv
set -uo pipefail
PORT=${PORT:-3422}; DB=${DB:-bench}; ROUNDS=${ROUNDS:-1}
sql() { mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uroot -N -B "$@"; }
SPID=$(cat "$(sql -e 'SELECT @@pid_file')")
hz=$(getconf CLK_TCK)
server_cpu() { awk -v hz=$hz '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SPID/stat"; }
machine_busy() { awk -v hz=$hz '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat; }
tables=$(sql -e "SELECT GROUP_CONCAT(CONCAT('\`',table_schema,'\`.\`',table_name,'\`')) FROM information_schema.tables WHERE table_schema='$DB'")
mapfile -t names < <(cut -f1 "$1"); mapfile -t cmds < <(cut -f2- "$1")
n=${#names[@]}; order=()
for ((r=0;r<ROUNDS;r++)); do for ((i=0;i<n;i++)); do order+=($i); done; for ((i=n-1;i>=0;i--)); do order+=($i); done; done
out=$2; [ -f "$out" ] || echo "name,wall,user,sys,server,other,rss_kb,bytes,rc" > "$out"
for i in "${order[@]}"; do
  OUT=/var/tmp/dumpcpu/out-${names[$i]}; rm -rf "$OUT"
  sql -e "CHECKSUM TABLE $tables" >/dev/null; sync; sleep 1
  cmd=${cmds[$i]//OUT/$OUT}
  m0=$(machine_busy); c0=$(server_cpu); t0=$(date +%s.%N)
  /usr/bin/time -v -o /var/tmp/dumpcpu/time.txt bash -c "$cmd" > /var/tmp/dumpcpu/last-${names[$i]}.log 2>&1
  t1=$(date +%s.%N); c1=$(server_cpu); m1=$(machine_busy)
  u=$(awk -F': ' '/User time/ {print $2}' /var/tmp/dumpcpu/time.txt); s=$(awk -F': ' '/System time/ {print $2}' /var/tmp/dumpcpu/time.txt)
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' /var/tmp/dumpcpu/time.txt); rc=$(awk -F': ' '/Exit status/ {print $2}' /var/tmp/dumpcpu/time.txt)
  bytes=$(du -sb "$OUT" 2>/dev/null | cut -f1)
  line=$(awk -v n="${names[$i]}" -v a=$t0 -v b=$t1 -v u=$u -v s=$s -v c0=$c0 -v c1=$c1 -v m0=$m0 -v m1=$m1 -v rss=$rss -v by=${bytes:-0} -v rc=$rc \
    'BEGIN { o=(m1-m0)-(c1-c0)-u-s; if (o<0) o=0; printf "%s,%.2f,%.2f,%.2f,%.2f,%.1f,%d,%d,%s", n, b-a, u, s, c1-c0, o, rss, by, rc }')
  echo "$line" | tee -a "$out"
  rm -rf "$OUT"
done
