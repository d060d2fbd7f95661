#!/bin/sh
# fork, 25,000 connections each answered twice, with a 120 s connect timeout (the fork parent accepts one at a time)
cd /tmp/scale
D=/tmp/scale/fork25k-2; mkdir -p $D
echo "load at start: $(cat /proc/loadavg)" > $D/load.txt
./echo-server --mode fork --max-connections 26000 --log-level warn --port 7103 > $D/server.out 2>$D/server.err &
SP=$!; sleep 1
./echo-bench run --port 7103 -c 25000 -n 50000 --rate 5000 --timeout 120 --json > $D/run.json 2>$D/run.err
echo "bench rc $?" >> $D/run.err
echo "load at end: $(cat /proc/loadavg)" >> $D/load.txt
kill $SP; wait $SP
echo done >> $D/load.txt
