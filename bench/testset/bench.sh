#!/usr/bin/env bash
# Compares llmzip with xz -9e, brotli -q 11, zstd --ultra -22 and zpaq -m5 on
# each file of the test set that bench/testset/build.sh makes, and writes one
# CSV row per file (sizes in bytes; every llmzip file is decompressed and
# compared with its input, a mismatch stops the script):
#
#   bench/testset/bench.sh [-o OUT.csv] [FILE...]   # default: every file of build/testset
#
# Columns: file, bytes, llmzip, xz, brotli, zstd, zpaq, best_classic (the
# smallest of xz, brotli, zstd), llmzip/best_classic, llmzip/zpaq, the frame
# kinds llmzip wrote, llmzip's compression and decompression seconds.
# Environment: LLMZIP_EXE (default build/cli/llmzip), LLMZIP_BENCH_THREADS
# (default 2), LLMZIP_ARGS (extra llmzip options, e.g. -m MODEL),
# LLMZIP_BENCH_ZPAQ=0 (no zpaq column: its -m5 takes minutes on large files),
# LLMZIP_BENCH_KEEP=DIR (keep each FILE.llmz there, e.g. for llmzip -l / info).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
exe="${LLMZIP_EXE:-$root/build/cli/llmzip}"
threads="${LLMZIP_BENCH_THREADS:-2}"
out=""
if [ "${1:-}" = "-o" ]; then out="$2"; shift 2; fi
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for f in "$root"/build/testset/*; do [ "$(basename "$f")" = MANIFEST ] || files+=("$f"); done
fi
[ ${#files[@]} -gt 0 ] || { echo "bench.sh: no files (run bench/testset/build.sh first)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

size() { stat -c %s "$1"; }
now() { date +%s.%N; }
row() {
  local f="$1" name; name="$(basename "$f")"
  cp "$f" "$work/$name"
  local t0 t1 t2
  t0=$(now)
  "$exe" -q -f -T "$threads" ${LLMZIP_ARGS:-} -o "$work/$name.llmz" "$work/$name"
  t1=$(now)
  "$exe" -q -d -f -T "$threads" ${LLMZIP_ARGS:-} -o "$work/$name.out" "$work/$name.llmz"
  t2=$(now)
  cmp -s "$work/$name" "$work/$name.out" || { echo "bench.sh: $name did not round-trip" >&2; exit 1; }
  if [ -n "${LLMZIP_BENCH_KEEP:-}" ]; then mkdir -p "$LLMZIP_BENCH_KEEP" && cp "$work/$name.llmz" "$LLMZIP_BENCH_KEEP/"; fi
  local kinds
  kinds=$("$exe" info --json "$work/$name.llmz" | python3 -c 'import json,sys; k=json.load(sys.stdin)["files"][0]["frame_kinds"]; print(" ".join(f"{n}:{c}" for n,c in k.items()))')
  local l x b z q
  l=$(size "$work/$name.llmz")
  x=$(xz -9e -c "$work/$name" | wc -c)
  b=$(brotli -q 11 -c "$work/$name" | wc -c)
  z=$(zstd -q --ultra -22 -c "$work/$name" | wc -c)
  q=0
  if [ "${LLMZIP_BENCH_ZPAQ:-1}" != 0 ]; then
    (cd "$work" && rm -f q.zpaq && zpaq a q.zpaq "$name" -m5 >/dev/null 2>&1)
    q=$(size "$work/q.zpaq")
  fi
  local best=$x
  [ "$b" -lt "$best" ] && best=$b
  [ "$z" -lt "$best" ] && best=$z
  python3 - "$name" "$(size "$f")" "$l" "$x" "$b" "$z" "$q" "$best" "$kinds" "$t0" "$t1" "$t2" <<'PY'
import sys
name, n, l, x, b, z, q, best, kinds, t0, t1, t2 = sys.argv[1:]
n, l, x, b, z, q, best = map(int, (n, l, x, b, z, q, best))
vs_q = f"{l/q:.4f}" if q else ""
print(f"{name},{n},{l},{x},{b},{z},{q or ''},{best},{l/best:.4f},{vs_q},{kinds},"
      f"{float(t1)-float(t0):.2f},{float(t2)-float(t1):.2f}")
PY
}

{
  echo "file,bytes,llmzip,xz,brotli,zstd,zpaq,best_classic,llmzip_vs_best,llmzip_vs_zpaq,llmzip_frames,compress_s,decompress_s"
  for f in "${files[@]}"; do row "$f"; done
} > "$work/results.csv"
if [ -n "$out" ]; then cp "$work/results.csv" "$out"; fi
cat "$work/results.csv"
