#!/bin/sh
# fork, 25,000 connections each answered twice, on the quiet machine
B=/work/main/build/release; D=/tmp/fork25k/out; mkdir -p $D
echo "load at start: $(cat /proc/loadavg); processes: $(ls /proc | grep -c '^[0-9]')" > $D/load.txt
$B/echo-server --mode fork --max-connections 26000 --log-level warn --port 7103 > $D/server.out 2>$D/server.err &
SP=$!; sleep 1
timeout 300 /usr/bin/time -f "bench wall %e s" $B/echo-bench run --port 7103 -c 25000 -n 50000 --rate 5000 --timeout 60 --json > $D/run.json 2>$D/run.err
echo "bench rc $?" >> $D/run.err
echo "load at end: $(cat /proc/loadavg)" >> $D/load.txt
kill $SP; wait $SP
python3 -c "
import json; d=json.load(open('$D/run.json')); print({k:d[k] for k in ('connections','requests','errors','rps','duration_s')}, d['errors_by_kind'], d.get('scale'))"
tail -4 $D/run.err; tail -2 $D/server.err; cat $D/load.txt
