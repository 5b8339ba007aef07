# Plots for run-serval-bench.sh: gnuplot -e "dir='OUT'" serval-bench-plots.gp
# reads the .dat files (medians) that the script writes into OUT.
if (!exists("dir")) dir = "."
set terminal pngcairo size 900,560 font "sans,10" noenhanced
set grid
set key top left

set output dir."/serval-bench-throughput.png"
set multiplot layout 1,2 title "serval-bench: frames switched through serval-server (N/2 pairs, one VLAN, loopback TLS)"
set xlabel "simulated clients"
set ylabel "received kframes/s (median; bars: min-max)"
set logscale x 2
set xrange [1.6:20]
set yrange [0:*]
plot dir."/throughput-64.dat" using 1:2:4:5 with yerrorlines lw 2 title "64-byte frames", \
     dir."/throughput-1400.dat" using 1:2:4:5 with yerrorlines lw 2 title "1400-byte frames"
set ylabel "received Gbit/s, frame bytes (median; bars: min-max)"
plot dir."/throughput-64.dat" using 1:3:6:7 with yerrorlines lw 2 title "64-byte frames", \
     dir."/throughput-1400.dat" using 1:3:6:7 with yerrorlines lw 2 title "1400-byte frames"
unset multiplot
unset logscale x
set xrange [*:*]

set output dir."/serval-bench-latency.png"
set title "serval-bench: one-way latency under load (64-byte frames, same process)"
set xlabel "offered load, frames/s (all senders)"
set ylabel "latency, µs"
set logscale x 10
set logscale y 10
set yrange [*:*]
plot dir."/latency.dat" using 1:2 with linespoints lw 2 title "p50", \
     "" using 1:3 with linespoints lw 2 title "p90", \
     "" using 1:4 with linespoints lw 2 title "p99", \
     "" using 1:5 with linespoints lw 2 title "p99.9", \
     "" using 1:6 with points pt 2 title "max"
unset logscale x
unset logscale y

set output dir."/serval-bench-idle.png"
set title "serval-bench: server memory per connected idle client"
set xlabel "connected idle clients"
set ylabel "server VmRSS growth per client, KiB"
set y2label "server VmRSS, MiB"
set logscale x 10
set logscale y 10
set y2tics
set ytics nomirror
set yrange [1:*]
plot dir."/idle.dat" using 1:2 with linespoints lw 2 title "KiB per client (left)", \
     "" using 1:3 axes x1y2 with linespoints lw 2 title "VmRSS after, MiB (right)", \
     25 with lines dt 2 lw 2 title "target: 25 KiB per client"
unset logscale x
unset logscale y
unset y2tics
unset y2label
set ytics mirror

set output dir."/serval-bench-logins.png"
set title "serval-bench: logins (TCP + TLS 1.3 + login: password with PBKDF2-SHA256 100,000 iterations, or resume token)"
set xlabel "logins in progress at once"
set ylabel "logins per second"
set y2label "login time, ms"
set logscale x 2
set logscale y
set logscale y2
set yrange [*:*]
set y2range [*:*]
set y2tics
set ytics nomirror
plot dir."/logins.dat" using 1:2 with linespoints lw 2 title "password: logins/s (left)", \
     "" using 1:3 axes x1y2 with linespoints lw 2 title "password: p50 ms (right)", \
     "" using 1:4 axes x1y2 with linespoints lw 2 title "password: p99 ms (right)", \
     dir."/logins-token.dat" using 1:2 with linespoints lw 2 dt 2 title "token + TLS resumed: logins/s (left)", \
     "" using 1:3 axes x1y2 with linespoints lw 2 dt 2 title "token + TLS resumed: p50 ms (right)", \
     "" using 1:4 axes x1y2 with linespoints lw 2 dt 2 title "token + TLS resumed: p99 ms (right)", \
     dir."/logins-token-full.dat" using 1:2 with linespoints lw 2 dt 3 title "token, full TLS: logins/s (left)", \
     "" using 1:3 axes x1y2 with linespoints lw 2 dt 3 title "token, full TLS: p50 ms (right)"
