# Bar charts of the benchmark's medians, with the rounds' [min-max] as a thin black line.
#   gnuplot -e "data='OUT/medians.tsv'; outdir='OUT'; subtitle='...'" plot-bench.gp
# medians.tsv (written by run-bench.sh), tab-separated, one path a line:
#   label kind tcp min max kpps min max rtt_avg min max rtt_p99 min max cpu_s_per_gb min max
#   kpps_4mib min max (the 64-byte test with a 4 MiB socket buffer; "-" where it did not run)
# kind is core (direct, routed), floor (bench-relay), serval, cluster (Serval on one node or two of a
# cluster) or peer; "-" marks a figure the path lacks.
if (!exists("subtitle")) subtitle = ""
set datafile separator "\t"
set datafile missing "-"
set terminal pngcairo size 1100,600 font "DejaVu Sans,11" noenhanced
set style fill solid 0.85 border -1
set boxwidth 0.7
set grid ytics lc rgb "#dddddd"
set key off
set xtics rotate by -30 nomirror
set ytics nomirror
set border 3
set bmargin 7
stats data using 0 nooutput
set xrange [-0.6:STATS_records - 0.4]
color(k) = (k eq "serval") ? 0x1f6fb4 : (k eq "cluster") ? 0x6aa6d8 : (k eq "peer") ? 0xd08c2c : \
           (k eq "floor") ? 0x4a9a5a : 0x7a7a7a
has(c) = valid(c) ? column(c) : NaN
# the median as a label above the bar and its error bar, with one significant decimal below 10, none above
lab(v) = (v != v) ? "" : (v < 1) ? sprintf("%.2f", v) : (v < 10) ? sprintf("%.1f", v) : sprintf("%.0f", v)

# bars COLUMN: the median in COLUMN, min and max in the next two
set output outdir."/bench-tcp.png"
set title "TCP throughput between the two clients, Gbit/s (log scale; higher is better)\n".subtitle
set logscale y
set yrange [0.05:*]
plot data using 0:(has(3)):(color(strcol(2))):xtic(1) with boxes lc rgb variable, \
     '' using 0:(has(4)):(0):(has(5)-has(4)) with vectors nohead lc rgb "black" lw 1.5, \
     '' using 0:(has(5)):(lab(has(3))) with labels offset 0,0.8 font ",10"

set output outdir."/bench-kpps.png"
set title "UDP 64-byte packets per second received, thousands: default socket buffer (solid) and 4 MiB (light); higher is better\n".subtitle
unset logscale y
set yrange [0:*]
set boxwidth 0.38
set key top right
plot data using ($0-0.2):(has(6)):(color(strcol(2))):xtic(1) with boxes lc rgb variable title "default buffer", \
     '' using ($0-0.2):(has(7)):(0):(has(8)-has(7)) with vectors nohead lc rgb "black" lw 1.5 notitle, \
     '' using ($0-0.2):(has(8)):(lab(has(6))) with labels offset 0,0.8 font ",9" notitle, \
     '' using ($0+0.2):(has(18)):(color(strcol(2))) with boxes lc rgb variable fs transparent solid 0.35 title "4 MiB buffer (iperf3 -w 4M)", \
     '' using ($0+0.2):(has(19)):(0):(has(20)-has(19)) with vectors nohead lc rgb "black" lw 1.5 notitle, \
     '' using ($0+0.2):(has(20)):(lab(has(18))) with labels offset 0,0.8 font ",9" notitle
set key off
set boxwidth 0.7

set output outdir."/bench-rtt.png"
set title "Ping RTT through the path, µs: average (solid) and p99 (light); log scale, lower is better\n".subtitle
set logscale y
set yrange [1:*]
set boxwidth 0.38
set key top left
plot data using ($0-0.2):(has(9)):(color(strcol(2))):xtic(1) with boxes lc rgb variable title "average", \
     '' using ($0-0.2):(has(10)):(0):(has(11)-has(10)) with vectors nohead lc rgb "black" lw 1.5 notitle, \
     '' using ($0-0.2):(has(11)):(lab(has(9))) with labels offset 0,0.8 font ",9" notitle, \
     '' using ($0+0.2):(has(12)):(color(strcol(2))) with boxes lc rgb variable fs transparent solid 0.35 title "p99", \
     '' using ($0+0.2):(has(13)):(0):(has(14)-has(13)) with vectors nohead lc rgb "black" lw 1.5 notitle, \
     '' using ($0+0.2):(has(14)):(lab(has(12))) with labels offset 0,0.8 font ",9" notitle
set key off
set boxwidth 0.7

set output outdir."/bench-cpu.png"
set title "Server CPU seconds per GB forwarded (lower is better; kernel paths have no server process)\n".subtitle
unset logscale y
set yrange [0:*]
plot data using 0:(has(15)):(color(strcol(2))):xtic(1) with boxes lc rgb variable, \
     '' using 0:(has(16)):(0):(has(17)-has(16)) with vectors nohead lc rgb "black" lw 1.5, \
     '' using 0:(has(17)):(lab(has(15))) with labels offset 0,0.8 font ",10"
