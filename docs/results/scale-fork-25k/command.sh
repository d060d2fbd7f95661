#!/bin/sh
# usage: one.sh DIR MODE CONNECTIONS MAXCONN [server args...]: CONNECTIONS each answered twice
cd /work/wt/scale/build/release
D=$1; MODE=$2; C=$3; MAX=$4; shift 4
mkdir -p $D
./echo-server --mode $MODE --max-connections $MAX --log-level warn --port 7101 "$@" > $D/server.out 2>$D/server.err &
SP=$!
sleep 1
/usr/bin/time -f "bench wall %e s, max RSS %M KiB" ./echo-bench run --port 7101 -c $C -n $((2*C)) --rate 10000 --timeout 30 --json > $D/run.json 2>$D/run.err
echo "bench rc $?" >> $D/run.err
kill $SP; wait $SP
python3 -c "
import json; d=json.load(open('$D/run.json')); print({k:d[k] for k in ('connections','requests','errors','rps','duration_s')}, d['errors_by_kind'], d['scale'])"
tail -3 $D/run.err; tail -1 $D/server.err
