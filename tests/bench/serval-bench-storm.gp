# The plot of run-serval-bench.sh's reconnect storms (issue 17):
#   gnuplot -e "dir='OUT'; files='lifted-2000 nat-2000 ...'" serval-bench-storm.gp
# Each storm-CASE-N.csv (serval-bench storm --series) has, per 100 ms from the
# server's SIGTERM: t_s, clients back per second, clients back so far, and the
# active pair's median round trip in that 100 ms (ms; nan: no reply).
if (!exists("dir")) dir = "."
if (!exists("files")) files = ""
set datafile separator ","
set datafile missing "nan"
set terminal pngcairo size 1200,460 font "sans,10" noenhanced
set output dir."/serval-bench-storm.png"
set grid
set key top right font ",8"
set multiplot layout 1,3 title "serval-bench storm (issue 17): every client back after a server restart"
set title "returns per second"
set xlabel "seconds after SIGTERM"
set ylabel "clients back per second (1 s bins)"
plot for [f in files] dir."/storm-".f.".csv" using (floor($1)):($2 / 10) every ::1 smooth frequency with steps lw 1.5 title f
set title "clients back"
set ylabel "clients"
plot for [f in files] dir."/storm-".f.".csv" using 1:3 every ::1 with lines lw 2 title f
set title "active pair's round trip (median per 100 ms)"
set ylabel "ms"
set logscale y
plot for [f in files] dir."/storm-".f.".csv" using 1:4 every ::1 with points pt 7 ps 0.3 title f
unset multiplot
