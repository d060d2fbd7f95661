# Redraw with: gnuplot chart.gp (from this folder)
set terminal pngcairo size 1120,480 font ',10'
set output 'chart.png'
set multiplot layout 1,2 title 'echo-bench compare: 64-byte lines, pipeline 1, 3 s per point'
set logscale x
set xlabel 'connections'
set grid
set key top left
set yrange [0:*]
set title 'throughput (higher is better)'
set ylabel 'requests/s'
plot 'data/thread.dat' using 1:2 with linespoints lw 2 pt 7 title 'thread', 'data/fork.dat' using 1:2 with linespoints lw 2 pt 7 title 'fork'
set title 'p99 latency (lower is better)'
set ylabel 'µs'
set logscale y
set yrange [*:*]
plot 'data/thread.dat' using 1:3 with linespoints lw 2 pt 7 title 'thread', 'data/fork.dat' using 1:3 with linespoints lw 2 pt 7 title 'fork'
unset multiplot
