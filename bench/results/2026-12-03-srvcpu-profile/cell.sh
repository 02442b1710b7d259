#!/usr/bin/env bash
# cell.sh NAME [extra args...]: one dump run; prints name wall client_cpu server_cpu other_cpu rss_kb
set -uo pipefail
export PATH=/work/main/.tmp/runtime/node-24.22.3-linux-x64/bin:$PATH
name=$1; shift
WT=${WT:-/work/wt/srvcpu}; case $name in *-base) WT=/var/tmp/srvcpu/base;; esac
PORT=${PORT:-3466}; DD=${DD:-/var/tmp/tsdump-bench/srvcpu}; SOCK=$DD/mariadb.sock
OUT=/var/tmp/srvcpu/out-$name
rm -rf "$OUT"
SP=$(cat $DD/mariadbd.pid)
case $name in
  ts-tcp*)  cmd=(node $WT/dist/cli/tsdump.js --no-defaults -h 127.0.0.1 -P $PORT -u root -B bench -o $OUT -t 2 "$@") ;;
  ts-sock*) cmd=(node $WT/dist/cli/tsdump.js --no-defaults -S $SOCK -u root -B bench -o $OUT -t 2 "$@") ;;
  my0-tcp*) cmd=(mydumper -h 127.0.0.1 -P $PORT -u root -B bench -o $OUT -t 2 --rows 500000 "$@") ;;
  my0-sock*) cmd=(mydumper -S $SOCK -u root -B bench -o $OUT -t 2 --rows 500000 "$@") ;;
  my1-tcp*) cmd=(/work/peers/m1/build/mydumper --defaults-file=/var/tmp/srvcpu/m1.cnf -h 127.0.0.1 -P $PORT -u root -B bench -o $OUT -t 2 --rows 500000 "$@") ;;
  my1-sock*) cmd=(/work/peers/m1/build/mydumper --defaults-file=/var/tmp/srvcpu/m1.cnf -S $SOCK -u root -B bench -o $OUT -t 2 --rows 500000 "$@") ;;
  *) echo "unknown $name" >&2; exit 2 ;;
esac
srv() { awk '{print $14+$15}' /proc/$SP/stat; }
tot() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
perf stat -e context-switches,syscalls:sys_enter_sendto -x, -p $SP -o /var/tmp/srvcpu/pstat.$$ & PSP=$!; sleep 0.2
s0=$(srv); t0=$(tot); w0=$(date +%s.%N)
/usr/bin/time -f '%U %S %M %w %c' -o /var/tmp/srvcpu/time.$$ "${cmd[@]}" >/var/tmp/srvcpu/log-$name 2>&1
rc=$?
w1=$(date +%s.%N); s1=$(srv); t1=$(tot)
kill -INT $PSP; wait $PSP 2>/dev/null
cs=$(awk -F, '/context-switches/{print $1}' /var/tmp/srvcpu/pstat.$$); sends=$(awk -F, '/sendto/{print $1}' /var/tmp/srvcpu/pstat.$$); rm -f /var/tmp/srvcpu/pstat.$$
read u s m vw ic < /var/tmp/srvcpu/time.$$; rm -f /var/tmp/srvcpu/time.$$
du=$(du -sb "$OUT" | cut -f1)
rm -rf "$OUT"
awk -v n=$name -v w0=$w0 -v w1=$w1 -v u=$u -v s=$s -v s0=$s0 -v s1=$s1 -v t0=$t0 -v t1=$t1 -v m=$m -v rc=$rc -v du=$du -v cs=$cs -v sends=$sends -v vw=$vw -v ic=$ic 'BEGIN{c=u+s; sv=(s1-s0)/100; tt=(t1-t0)/100; printf "%-14s rc=%d wall %.2f client %.2f (u %.2f s %.2f) server %.2f sum %.2f other %.2f rss %dMiB out %.0fMB srv_cs %d sends %d cli_cs %d+%d\n", n, rc, w1-w0, c, u, s, sv, c+sv, tt-c-sv, m/1024, du/1e6, cs, sends, vw, ic}'
