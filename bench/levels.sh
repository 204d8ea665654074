#!/usr/bin/env bash
# Measures every compression level (-1 .. -19) with the built-in model on
# samples/sample.txt and /usr/share/common-licenses/GPL-3 (text the model was
# not trained on): size, bits/byte, and input KiB per CPU second compressing and
# decompressing, one thread (CPU time, so a busy machine changes it little).
# Every row is a verified round trip. Writes bench/levels.csv; the man page's
# level table is generated from it (build/cli/llmzip_docs man bench/levels.csv).
#   bench/levels.sh [path/to/llmzip]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exe=${1:-$root/build/cli/llmzip}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root/samples/sample.txt" "$work/sample.txt"
[ -f /usr/share/common-licenses/GPL-3 ] && cp /usr/share/common-licenses/GPL-3 "$work/GPL-3"
out="$root/bench/levels.csv"
echo "level,file,bytes,compressed,bits_per_byte,compress_kib_per_cpu_s,decompress_kib_per_cpu_s,round_trip" > "$out"
cpu() { awk '{printf "%.3f", $1 + $2}' "$1"; }
for level in $(seq 1 19); do
  for f in sample.txt GPL-3; do
    [ -f "$work/$f" ] || continue
    n=$(stat -c %s "$work/$f")
    /usr/bin/time -f "%U %S" -o "$work/t1" "$exe" -q -T1 -"$level" -c "$work/$f" > "$work/x.llmz"
    /usr/bin/time -f "%U %S" -o "$work/t2" "$exe" -q -T1 -dc "$work/x.llmz" > "$work/back"
    ok=ok; cmp -s "$work/back" "$work/$f" || ok=FAIL
    c=$(stat -c %s "$work/x.llmz")
    awk -v l="$level" -v f="$f" -v n="$n" -v c="$c" -v t1="$(cpu "$work/t1")" -v t2="$(cpu "$work/t2")" -v ok="$ok" \
      'BEGIN { printf "%d,%s,%d,%d,%.4f,%.1f,%.1f,%s\n", l, f, n, c, 8 * c / n, n / 1024 / t1, n / 1024 / t2, ok }' >> "$out"
  done
  tail -n 2 "$out" >&2
done
