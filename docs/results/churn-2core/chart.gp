# Redraw with: gnuplot chart.gp (from this folder)
set terminal pngcairo size 1680,480 font ',10'
set output 'chart.png'
set multiplot layout 1,3 title 'echo-bench compare: 64-byte lines, pipeline 1, 2 s per point'
set logscale x
set xlabel 'connections'
set grid
set key top left
set yrange [0:*]
set title 'throughput (higher is better)'
set ylabel 'requests/s'
plot 'data/fork.dat' using 1:2 with linespoints lw 2 pt 7 title 'fork', 'data/thread.dat' using 1:2 with linespoints lw 2 pt 7 title 'thread', 'data/pool.dat' using 1:2 with linespoints lw 2 pt 7 title 'pool', 'data/coro.dat' using 1:2 with linespoints lw 2 pt 7 title 'coro', 'data/fork-baseline.dat' using 1:2 with linespoints lw 2 pt 7 title 'fork-baseline'
set title 'p99 latency (lower is better)'
set ylabel 'µs'
set logscale y
set yrange [*:*]
plot 'data/fork.dat' using 1:3 with linespoints lw 2 pt 7 title 'fork', 'data/thread.dat' using 1:3 with linespoints lw 2 pt 7 title 'thread', 'data/pool.dat' using 1:3 with linespoints lw 2 pt 7 title 'pool', 'data/coro.dat' using 1:3 with linespoints lw 2 pt 7 title 'coro', 'data/fork-baseline.dat' using 1:3 with linespoints lw 2 pt 7 title 'fork-baseline'
unset logscale y
set yrange [0:*]
set title 'churn: a connection per request'
set ylabel 'connections/s'
plot 'data/fork-churn.dat' using 1:2 with linespoints lw 2 pt 7 title 'fork', 'data/thread-churn.dat' using 1:2 with linespoints lw 2 pt 7 title 'thread', 'data/pool-churn.dat' using 1:2 with linespoints lw 2 pt 7 title 'pool', 'data/coro-churn.dat' using 1:2 with linespoints lw 2 pt 7 title 'coro', 'data/fork-baseline-churn.dat' using 1:2 with linespoints lw 2 pt 7 title 'fork-baseline'
unset multiplot
