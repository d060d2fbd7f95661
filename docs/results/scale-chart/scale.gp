# docs/scale.png from the two data files beside it (figures copied from docs/SCALE.md's tables).
# Run from the repository root: gnuplot docs/results/scale-chart/scale.gp
set terminal pngcairo size 1200,480 font ",10"
set output "docs/scale.png"
set multiplot layout 1,2 title "echo-server at scale (2 cores; memory of thread and fork on the quiet machine, the rest loaded)"

set title "memory per connection held (10,100 held)"
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.7
set ylabel "KiB per connection"
set xtics rotate by -30
set key top left
plot "docs/results/scale-chart/memory.dat" using 2:xtic(1) title "server (PSS)", \
     "" using 3 title "kernel (Slab + TCP pages, both ends)"

unset style
set style data linespoints
set title "hybrid (6 workers): 100 active connections beside an idle crowd"
set xlabel "idle connections"
set ylabel "active latency, ms"
set xtics norotate
set yrange [0:*]
set key top left
plot "docs/results/scale-chart/idle.dat" using 1:3 title "p50" lw 2 pt 7, \
     "" using 1:4 title "p99" lw 2 pt 5
unset multiplot
