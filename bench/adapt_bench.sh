#!/usr/bin/env bash
# Adaptive predictor against the model alone: size and compression time per
# file, median of N runs (CPU seconds, one thread, so other load on the machine
# disturbs it less than wall time), and the ratios. Prints a table, writes CSV.
#   bench/adapt_bench.sh [-n RUNS] [-o out.csv] FILE...
# LLMZIP (default build/cli/llmzip) is the binary under test.
set -euo pipefail
runs=3 csv=bench-adapt.csv
while getopts "n:o:" o; do case $o in n) runs=$OPTARG ;; o) csv=$OPTARG ;; *) exit 2 ;; esac; done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-n RUNS] [-o out.csv] FILE..." >&2; exit 2; }
bin=${LLMZIP:-build/cli/llmzip}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "file,bytes,pure_bytes,adaptive_bytes,size_ratio,pure_cpu_s,adaptive_cpu_s,speed_ratio" > "$csv"
printf "%-24s %9s %9s %9s %7s %8s %8s %7s\n" file bytes pure adaptive size pure_s adapt_s speed
for f in "$@"; do
  declare -A t=() sz=()
  for mode in no-adapt adapt; do
    for ((r = 0; r < runs; r++)); do
      /usr/bin/time -f "%U %S" -o "$tmp/t" "$bin" -c -T1 --$mode "$f" > "$tmp/out" 2>/dev/null ||
        /usr/bin/time -f "%U %S" -o "$tmp/t" "$bin" -c -t1 --$mode "$f" > "$tmp/out"
      awk '{print $1 + $2}' "$tmp/t" >> "$tmp/$mode.times"
    done
    sz[$mode]=$(wc -c < "$tmp/out")
    t[$mode]=$(median < "$tmp/$mode.times"); rm "$tmp/$mode.times"
  done
  n=$(wc -c < "$f")
  sr=$(awk -v a="${sz[adapt]}" -v p="${sz[no-adapt]}" 'BEGIN{printf "%.3f", a/p}')
  vr=$(awk -v a="${t[adapt]}" -v p="${t[no-adapt]}" 'BEGIN{printf "%.3f", (a>0)?p/a:0}')
  printf "%-24s %9d %9d %9d %7s %8s %8s %7s\n" "$(basename "$f")" "$n" "${sz[no-adapt]}" "${sz[adapt]}" "$sr" "${t[no-adapt]}" "${t[adapt]}" "$vr"
  echo "$(basename "$f"),$n,${sz[no-adapt]},${sz[adapt]},$sr,${t[no-adapt]},${t[adapt]},$vr" >> "$csv"
done
echo "speed = pure time / adaptive time (1.0: adaptation costs nothing); CSV: $csv"
