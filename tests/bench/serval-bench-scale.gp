# The plot of run-serval-bench.sh's issue-17 runs, apart from the others so that a
# run of those alone has its plot: gnuplot -e "dir='OUT'" serval-bench-scale.gp
# With -e "before='OUT2'", the scale.dat of an earlier run (another server) is drawn
# beside it, dashed (docs/performance.md's before and after).
if (!exists("dir")) dir = "."
b = exists("before") ? before."/scale.dat" : "/dev/null"
set grid
# Issue 17: scale.dat has "case clients KiB/client login_s idle_cpu_%", case 1 for
# VLANs of IDLE_GROUP members, 2 for everyone in one VLAN.
set output dir."/serval-bench-scale.png"
set terminal pngcairo size 1200,460 font "sans,10" noenhanced
unset logscale
unset y2tics
unset y2label
set ytics mirror
set xrange [*:*]
set yrange [0:*]
set xtics 4000
set key top left font ",8"
set multiplot layout 1,3 title "serval-bench (issue 17): idle clients that keep no member lists"
set title "server memory per idle client"
set xlabel "clients"
set ylabel "server VmRSS growth per client, KiB"
plot dir."/scale.dat" using ($1 == 1 ? $2 : 1/0):3 with linespoints lw 2 lc 1 title "VLANs of 50", \
     "" using ($1 == 2 ? $2 : 1/0):3 with linespoints lw 2 lc 2 title "one VLAN", \
     b using ($1 == 1 ? $2 : 1/0):3 with linespoints lw 1 dt 2 lc 1 title (exists("before") ? "before: VLANs of 50" : ""), \
     b using ($1 == 2 ? $2 : 1/0):3 with linespoints lw 1 dt 2 lc 2 title (exists("before") ? "before: one VLAN" : ""), \
     10 with lines dt 2 lw 2 title "target: 10 KiB", 15 with lines dt 3 lw 2 title "target, one VLAN: 15 KiB"
set title "time for all to log in and join"
set ylabel "seconds"
plot dir."/scale.dat" using ($1 == 1 ? $2 : 1/0):4 with linespoints lw 2 lc 1 title "VLANs of 50", \
     "" using ($1 == 2 ? $2 : 1/0):4 with linespoints lw 2 lc 2 title "one VLAN", \
     b using ($1 == 1 ? $2 : 1/0):4 with linespoints lw 1 dt 2 lc 1 title (exists("before") ? "before: VLANs of 50" : ""), \
     b using ($1 == 2 ? $2 : 1/0):4 with linespoints lw 1 dt 2 lc 2 title (exists("before") ? "before: one VLAN" : "")
set title "server CPU while idle (keepalives)"
set ylabel "% of one core"
plot dir."/scale.dat" using ($1 == 1 ? $2 : 1/0):5 with linespoints lw 2 lc 1 title "VLANs of 50", \
     "" using ($1 == 2 ? $2 : 1/0):5 with linespoints lw 2 lc 2 title "one VLAN", \
     b using ($1 == 1 ? $2 : 1/0):5 with linespoints lw 1 dt 2 lc 1 title (exists("before") ? "before: VLANs of 50" : ""), \
     b using ($1 == 2 ? $2 : 1/0):5 with linespoints lw 1 dt 2 lc 2 title (exists("before") ? "before: one VLAN" : ""), \
     5 with lines dt 2 lw 2 title "target: 5 %"
unset multiplot
