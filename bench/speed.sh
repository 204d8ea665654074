#!/usr/bin/env bash
# End-to-end compression and decompression speed of llmzip builds side by side
# (issue 13's method: the same machine, the same inputs, medians, ratios
# against a baseline run in the same command).
#
#   bench/speed.sh [--runs N] [--sizes 100000,1000000] [--threads T] [--csv FILE] EXE [EXE ...]
#
# (--threads, not -T: builds before the zstd-style options spell it -t.)
# EXE: llmzip binaries, the first one the baseline (e.g. a build of an older
# commit in a git worktree: git worktree add /tmp/base 5202770 && cmake ...).
# Inputs: English text from Debian packages: the fortunes data files (which
# the built-in model's training data also has, docs/model-card.md), the Jargon
# File and the Debian FAQ, concatenated and cut at a line end to each size. Every run is a
# verified round trip. Prints a table (KiB/s of the input, median of N runs;
# speed relative to the baseline) and writes the runs to FILE (default
# build/speed.csv).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs=3
sizes=100000,1000000
threads=2
csv="$root/build/speed.csv"
exes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --csv) csv="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) exes+=("$(realpath "$1")"); shift ;;
  esac
done
[ ${#exes[@]} -gt 0 ] || { echo "speed.sh: give at least one llmzip binary" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q fortunes jargon-text debian-faq >/dev/null 2>&1) ||
  { echo "speed.sh: apt-get download failed" >&2; exit 1; }
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
r="$work/root"
{
  for f in "$r"/usr/share/games/fortunes/*; do
    case "$f" in *.dat|*.u8) ;; *) [ -f "$f" ] && cat "$f" ;; esac
  done
  gzip -dc "$r"/usr/share/doc/jargon-text/jargon.txt.gz
  gzip -dc "$r"/usr/share/doc/debian/FAQ/debian-faq.en.txt.gz 2>/dev/null || true
} > "$work/corpus.txt"

median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
now() { date +%s.%N; }

echo "exe,input_bytes,run,compressed_bytes,compress_s,decompress_s" > "$csv"
IFS=, read -r -a size_list <<< "$sizes"
for n in "${size_list[@]}"; do
  total=$(stat -c %s "$work/corpus.txt")
  [ "$n" -le "$total" ] || { echo "speed.sh: corpus has only $total bytes, skipping $n" >&2; continue; }
  head -c "$n" "$work/corpus.txt" | python3 -c 'import sys; b = sys.stdin.buffer.read(); sys.stdout.buffer.write(b[:b.rfind(b"\n") + 1])' > "$work/in.txt"
  for ((k = 1; k <= runs; ++k)); do
    # Builds alternate within each run, so drifts of the machine's speed hit all alike.
    for e in "${exes[@]}"; do
      t0=$(now); "$e" -q -f --threads "$threads" -c "$work/in.txt" > "$work/z.llmz"; t1=$(now)
      "$e" -q -d -f --threads "$threads" -c "$work/z.llmz" > "$work/out.txt"; t2=$(now)
      cmp -s "$work/in.txt" "$work/out.txt" || { echo "speed.sh: $e did not round-trip $n bytes" >&2; exit 1; }
      echo "$e,$(stat -c %s "$work/in.txt"),$k,$(stat -c %s "$work/z.llmz"),$(echo "$t1 - $t0" | bc),$(echo "$t2 - $t1" | bc)" >> "$csv"
    done
  done
done

# Table: one row per (build, size).
python3 - "$csv" "${exes[0]}" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
base = sys.argv[2]
keys = []
for r in rows:
    k = (r["exe"], int(r["input_bytes"]))
    if k not in keys: keys.append(k)
def med(exe, n, col):
    return statistics.median(float(r[col]) for r in rows if r["exe"] == exe and int(r["input_bytes"]) == n)
print(f"{'build':<44} {'input':>9} {'bytes':>9} {'comp KiB/s':>10} {'dec KiB/s':>10} {'comp x':>7} {'dec x':>7} {'dec/comp':>8}")
for exe, n in keys:
    c, d = n / 1024 / med(exe, n, "compress_s"), n / 1024 / med(exe, n, "decompress_s")
    cb, db = n / 1024 / med(base, n, "compress_s"), n / 1024 / med(base, n, "decompress_s")
    size = next(r["compressed_bytes"] for r in rows if r["exe"] == exe and int(r["input_bytes"]) == n)
    name = exe if len(exe) <= 44 else "..." + exe[-41:]
    print(f"{name:<44} {n:>9} {size:>9} {c:>10.2f} {d:>10.2f} {c / cb:>7.2f} {d / db:>7.2f} {d / c:>8.2f}")
EOF
