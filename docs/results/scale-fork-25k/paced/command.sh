#!/bin/sh
# fork, 25,000 connections each answered twice, connects paced under the fork rate
B=${B:-build/release}; D=${D:-/tmp/fork25k/paced}; P=${P:-7110}; CR=${CR:-400}; RATE=${RATE:-2500}; mkdir -p $D
echo "load at start: $(cat /proc/loadavg); processes: $(ls /proc | grep -c '^[0-9]')" > $D/load.txt
nstat -n
$B/echo-server --mode fork --max-connections 26000 --log-level warn --port $P > $D/server.out 2>$D/server.err &
SP=$!; sleep 1
timeout 400 /usr/bin/time -f "bench wall %e s" $B/echo-bench run --port $P -c 25000 -n 50000 --rate $RATE --connect-rate $CR --timeout 120 --json > $D/run.json 2>$D/run.err
echo "bench rc $?" >> $D/run.err
echo "load at end: $(cat /proc/loadavg)" >> $D/load.txt
nstat | grep -E 'ListenOverflows|ListenDrops|Syncookies|TcpOutRsts|TCPSynRetrans' > $D/nstat.txt
kill $SP; wait $SP
python3 -c "
import json; d=json.load(open('$D/run.json')); print({k:d[k] for k in ('connections','requests','errors','rps','duration_s')}, d['errors_by_kind'], d['latency_us'], d.get('scale'))"
tail -4 $D/run.err; tail -2 $D/server.err; cat $D/load.txt $D/nstat.txt
