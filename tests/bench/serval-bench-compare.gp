# Server memory per idle client for two runs of run-serval-bench.sh side by side
# (e.g. the server as built, and a build with a proposed change):
#   gnuplot -e "a='DIR_A'; la='label A'; b='DIR_B'; lb='label B'; out='FILE.png'" serval-bench-compare.gp
# Each DIR holds the idle.dat that run-serval-bench.sh writes (clients, KiB per client, VmRSS MiB).
set terminal pngcairo size 900,560 font "sans,10" noenhanced
set output out
set title "serval-bench: server memory per connected idle client (VLANs of 50)"
set grid
set key top right
set xlabel "connected idle clients"
set ylabel "server VmRSS growth per client, KiB"
set logscale x 10
set logscale y 10
set xrange [50:20000]
set yrange [10:10000]
plot a."/idle.dat" using 1:2 with linespoints lw 2 pt 7 title la, \
     b."/idle.dat" using 1:2 with linespoints lw 2 pt 5 title lb, \
     25 with lines dt 2 lw 2 title "target: 25 KiB per client"
