#!/bin/sh
# hybrid, 100,000 connections each answered twice
cd /work/wt/scale/build/release
D=$1; mkdir -p $D
./echo-server --mode hybrid --workers 8 --listener reuseport --max-connections 110000 --log-level warn --port 7100 > $D/server.out 2>$D/server.err &
SP=$!
sleep 1
/usr/bin/time -f "bench wall %e s, max RSS %M KiB" ./echo-bench run --port 7100 -c 100000 -n 200000 --rate 20000 --timeout 30 --json --result $D/result.json > $D/run.json 2>$D/run.err
echo "bench rc $?" >> $D/run.err
kill $SP; wait $SP
