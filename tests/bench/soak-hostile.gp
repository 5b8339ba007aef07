# The hostile soak's samples (tests/bench/soak-hostile.sh): the server's RSS and open
# file descriptors over time.
#   gnuplot -e "in='OUT/samples.csv'; out='docs/perf/soak-hostile.png'" tests/bench/soak-hostile.gp
set terminal pngcairo size 640,320 font ",8"
set output out
set datafile separator ","
set key outside bottom center horizontal
set title "serval-server under the hostile soak: 200 clients churning, 9 attackers"
set xlabel "time (s)"
set ylabel "VmRSS (MiB)"
set y2label "open fds"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set grid
plot in using 1:($3/1024) skip 1 with lines lw 2 title "VmRSS (MiB)", \
     in using 1:4 skip 1 axes x1y2 with lines lw 1 title "open fds", \
     in using 1:5 skip 1 axes x1y2 with lines lw 1 dt 2 title "links (/metrics)"
