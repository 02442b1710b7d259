#!/usr/bin/env bash
# vgcell.sh LABEL CELL [args]: zero callgrind, run dump of bench_s, dump callgrind with LABEL
export PATH=/work/main/.tmp/runtime/node-24.22.3-linux-x64/bin:$PATH
label=$1; name=$2; shift 2
VP=$(cat /var/tmp/tsdump-bench/srvcpu/mariadbd.pid)
SOCK=/var/tmp/tsdump-bench/srvcpu/mariadb.sock
WT=${WT:-/work/wt/srvcpu}
OUT=/var/tmp/srvcpu/vgout-$label; rm -rf $OUT
case $name in
  ts-tcp)  cmd=(node $WT/dist/cli/tsdump.js --no-defaults -h 127.0.0.1 -P 3466 -u root -B bench_s -o $OUT -t 2 --chunk-size 6710886 "$@") ;;
  ts-sock) cmd=(node $WT/dist/cli/tsdump.js --no-defaults -S $SOCK -u root -B bench_s -o $OUT -t 2 --chunk-size 6710886 "$@") ;;
  my0-tcp) cmd=(mydumper -h 127.0.0.1 -P 3466 -u root -B bench_s -o $OUT -t 2 --rows 50000 "$@") ;;
  my0-sock) cmd=(mydumper -S $SOCK -u root -B bench_s -o $OUT -t 2 --rows 50000 "$@") ;;
  my1-tcp) cmd=(/work/peers/m1/build/mydumper --defaults-file=/var/tmp/srvcpu/m1.cnf -h 127.0.0.1 -P 3466 -u root -B bench_s -o $OUT -t 2 --rows 50000 "$@") ;;
  my1-sock) cmd=(/work/peers/m1/build/mydumper --defaults-file=/var/tmp/srvcpu/m1.cnf -S $SOCK -u root -B bench_s -o $OUT -t 2 --rows 50000 "$@") ;;
esac
callgrind_control -z $VP >/dev/null
w0=$(date +%s)
"${cmd[@]}" > /var/tmp/srvcpu/vglog-$label 2>&1; rc=$?
w1=$(date +%s)
callgrind_control -d $label $VP >/dev/null
sleep 1
f=$(ls -t /var/tmp/srvcpu/cg/callgrind.out.$VP.* | head -1)
ir=$(grep -m1 '^summary:\|^totals:' $f | awk '{print $2}')
echo "$label rc=$rc wall $((w1-w0)) s  Ir $ir  out $(du -sb $OUT | cut -f1) files $(ls $OUT/* | wc -l) $f"
ls $OUT/bench_s > /var/tmp/srvcpu/vgfiles-$label
rm -rf $OUT
