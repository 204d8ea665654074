#!/usr/bin/env bash
# The big-model check of issue 13: a Llama-2-7B-shaped model (random Q4_0
# weights, 3.8 GB, never committed) loads memory-mapped, compresses and
# decompresses a 4 KB text, with its speed next to llama.cpp's on the same file.
#
#   bench/big_model.sh [--threads 2] [--bytes 4096] [--csv FILE] [LLAMA_BIN_DIR]
#
# The model is generated if missing (MODEL_DIR, default out/bench-models) by
# build/bench/gen_bench_model with the tokenizer of
# $LLMZIP_TESTDATA/vocab/ggml-vocab-llama-spm.gguf (the Llama 2 SentencePiece
# vocabulary, 32000 tokens), so it tokenizes text. The input is the first BYTES
# of /usr/share/common-licenses/GPL-3, cut at a line end. Reports for each
# direction the wall time, peak resident memory (the mapped weights count once
# they are read) and tokens/s (the tokens `llmzip info` counts: the first
# window's are evaluated in one batch when compressing, decoded one step each
# when decompressing). With LLAMA_BIN_DIR (llama.cpp's build/bin, see
# ../shared/tools/llama-cpp.sh), also llama-bench -p 512 -n 0 (prompt) and
# -p 0 -n 32 (one sequence decoding) on the same file. Writes FILE (default
# build/big_model.csv): what,seconds,peak_rss_mb,tokens,tokens_per_s.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2
bytes=4096
csv=build/big_model.csv
llama_bin=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --bytes) bytes="$2"; shift 2 ;;
    --csv) csv="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) llama_bin="$1"; shift ;;
  esac
done
testdata=${LLMZIP_TESTDATA:-../shared/testdata}
vocab="$testdata/vocab/ggml-vocab-llama-spm.gguf"
[[ -f "$vocab" ]] || { echo "big_model.sh: $vocab not found (set LLMZIP_TESTDATA)" >&2; exit 2; }
for exe in build/cli/llmzip build/bench/gen_bench_model; do
  [[ -x "$exe" ]] || { echo "big_model.sh: $exe missing (configure with -DLLMZIP_BUILD_BENCH=ON)" >&2; exit 2; }
done
MODEL_DIR=${MODEL_DIR:-out/bench-models}
mkdir -p "$MODEL_DIR" "$(dirname "$csv")"
model="$MODEL_DIR/llama2-7b.gguf"
if [[ ! -f "$model" ]]; then
  /usr/bin/time -f "generated in %e s" build/bench/gen_bench_model --vocab "$vocab" llama2-7b "$model"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c "$bytes" /usr/share/common-licenses/GPL-3 |
  /usr/bin/python3 -c 'import sys; b = sys.stdin.buffer.read(); sys.stdout.buffer.write(b[:b.rfind(b"\n") + 1])' \
  > "$work/in.txt"

echo "what,seconds,peak_rss_mb,tokens,tokens_per_s" > "$csv"
timed() {  # timed CMD...: runs CMD; sets $secs and $rss_mb
  /usr/bin/time -o "$work/time" -f "%e %M" "$@"
  read -r secs kb < "$work/time"
  rss_mb=$((kb / 1024))
}
row() { awk -v n="$1" -v s="$2" -v m="$3" -v t="$4" 'BEGIN { printf "%s,%s,%s,%s,%.2f\n", n, s, m, t, t / s }' >> "$csv"; }
L=build/cli/llmzip
timed $L -T"$threads" -m "$model" -c "$work/in.txt" -o "$work/in.llmz"
c_secs=$secs c_rss=$rss_mb
$L info "$work/in.llmz" | tee "$work/info"
tokens=$(awk '$1 == "tokens" { print $2 }' "$work/info")
timed $L -T"$threads" -m "$model" -dc "$work/in.llmz" -o "$work/out.txt"
cmp "$work/in.txt" "$work/out.txt" && echo "round trip: identical"
row "llmzip compress $(stat -c %s "$work/in.txt") B" "$c_secs" "$c_rss" "$tokens"
row "llmzip decompress" "$secs" "$rss_mb" "$tokens"

if [[ -n "$llama_bin" ]]; then
  for spec in "-p 512 -n 0" "-p 0 -n 32"; do
    # shellcheck disable=SC2086
    "$llama_bin/llama-bench" -m "$model" -t "$threads" $spec -r 1 -o csv > "$work/lb.csv" 2> "$work/lb.err" ||
      { cat "$work/lb.err" >&2; exit 1; }
    /usr/bin/python3 - "$work/lb.csv" "$spec" >> "$csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
r = rows[-1]
n = int(r["n_prompt"]) + int(r["n_gen"])
print(f"llama-bench {sys.argv[2]},{float(r['avg_ns']) / 1e9:.2f},,{n},{float(r['avg_ts']):.2f}")
EOF
  done
fi
column -s, -t < "$csv"
