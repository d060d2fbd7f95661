#!/bin/sh
# coro, pool, thread: 19,950 connections each answered twice; then 20,500 against --max-connections 19,950
cd /tmp/scale
for MODE in coro pool thread; do
  D=/tmp/scale/c20k-$MODE; mkdir -p $D
  echo "== $MODE $(cat /proc/loadavg)" >> /tmp/scale/c20k.log
  ./echo-server --mode $MODE --max-connections 19950 --log-level warn --port 7102 > $D/server.out 2>$D/server.err &
  SP=$!; sleep 1
  ./echo-bench run --port 7102 -c 19950 -n 39900 --rate 10000 --timeout 30 --json > $D/run.json 2>$D/run.err
  echo "bench rc $?" >> $D/run.err
  kill $SP; wait $SP
  D=/tmp/scale/c20k-$MODE-past; mkdir -p $D
  ./echo-server --mode $MODE --max-connections 19950 --log-level warn --port 7102 > $D/server.out 2>$D/server.err &
  SP=$!; sleep 1
  ./echo-bench run --port 7102 -c 20500 -d 5 --rate 10000 --timeout 30 --json > $D/run.json 2>$D/run.err
  echo "bench rc $?" >> $D/run.err
  kill $SP; wait $SP
done
echo done >> /tmp/scale/c20k.log
