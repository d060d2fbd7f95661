# Redraw with: gnuplot chart.gp (from this folder)
set terminal pngcairo size 1120,480 font ',10'
set output 'chart.png'
set multiplot layout 1,2 title 'echo-bench compare --chat: 10 senders, closed loop, 2 s per point'
set logscale x
set xlabel 'members per room'
set grid
set key top left
set title 'delivery p99 (lower is better)'
set ylabel 'µs'
set logscale y
plot 'data/pool-chat.dat' using 1:3 with linespoints lw 2 pt 7 title 'pool', 'data/coro-chat.dat' using 1:3 with linespoints lw 2 pt 7 title 'coro', 'data/hybrid-chat.dat' using 1:3 with linespoints lw 2 pt 7 title 'hybrid'
unset logscale y
set yrange [0:*]
set title 'deliveries per second (higher is better)'
set ylabel 'deliveries/s'
plot 'data/pool-chat.dat' using 1:2 with linespoints lw 2 pt 7 title 'pool', 'data/coro-chat.dat' using 1:2 with linespoints lw 2 pt 7 title 'coro', 'data/hybrid-chat.dat' using 1:2 with linespoints lw 2 pt 7 title 'hybrid'
unset multiplot
