#!/usr/bin/env bash
# llmzip's engine against llama.cpp on the same machine, models and thread count
# (issue 13): prompt processing of 512 tokens and decoding 64 sequences at once.
# Writes one CSV (model, workload, engine, tokens_per_s, ratio_llmzip_over_llamacpp)
# and prints a Markdown table.
#
#   bench/vs_llamacpp.sh [--threads 2] [--csv FILE] [--base ENGINE_BENCH] [--npp 0,128]
#                        [--steps 128] [--repeat-frame 3] [--repeat-seqs 1]
#                        [LLAMA_BIN_DIR [ENGINE_BENCH [MODEL ...]]]
#
# LLAMA_BIN_DIR: llama.cpp's build/bin with llama-bench and llama-batched-bench
# (default ~/llama.cpp-ref/build/bin, built by ../shared/tools/llama-cpp.sh).
# ENGINE_BENCH: default build/bench/engine_bench (configure with -DLLMZIP_BUILD_BENCH=ON).
# MODEL: a .gguf path, or a gen_bench_model name (smollm2-135m, qwen2.5-0.5b), generated
# if missing into MODEL_DIR (default out/bench-models) by the gen_bench_model next to
# ENGINE_BENCH. Default: models/llmzip-default.gguf smollm2-135m qwen2.5-0.5b.
# --base: a second engine_bench binary (e.g. built from an older commit), reported as
# engine llmzip-base.
#
# Workloads (both engines get the same random token ids' shape, not the same ids):
#   pp512   llama-bench -p 512 -n 0 -r 3 (avg_ts; llama.cpp computes the logits of the
#           last position only) vs engine_bench --workload frame --frame 512 (logits for
#           all 512 positions, median of --repeat-frame runs).
#   decode64_pos0-127   llama-batched-bench -npl 64 -npp 0 -ntg 128 (S_TG: 64 sequences,
#           one token each per llama_decode, logits for every token, positions 0..127)
#           vs engine_bench --workload seqs --seqs 64 --steps 128 (the same positions).
#   decode64_pos128-255 llama-batched-bench -npp 128 -ntg 128 (decoding after a
#           128-token prompt per sequence), llama.cpp only: engine_bench's seqs workload
#           always starts at position 0 (no start-position option), so it has no
#           llmzip row; compare it with decode64_pos0-127 to see what the longer
#           context costs llama.cpp.
# llama.cpp runs with its defaults otherwise (flash attention auto, F16 KV cache,
# n_batch 2048, n_ubatch 512); -c 16384 = 64 x 256 cells, one 256-cell KV stream per
# sequence. Generated models carry a placeholder vocabulary that llama.cpp rejects;
# bench/gguf_for_llamacpp.py makes a copy (MODEL_DIR/NAME.llamacpp.gguf) that differs in
# tokenizer.ggml.model only. Logs of every command go to out/vs_llamacpp-logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
MODEL_DIR=${MODEL_DIR:-out/bench-models}
LOG_DIR=${LOG_DIR:-out/vs_llamacpp-logs}
threads=2
csv=bench/vs_llamacpp.csv
base=""
npp=0,128
steps=128
repeat_frame=3
repeat_seqs=1
pos=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --csv) csv="$2"; shift 2 ;;
    --base) base="$(realpath "$2")"; shift 2 ;;
    --npp) npp="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --repeat-frame) repeat_frame="$2"; shift 2 ;;
    --repeat-seqs) repeat_seqs="$2"; shift 2 ;;
    -h|--help) sed -n '2,37p' "$0"; exit 0 ;;
    *) pos+=("$1"); shift ;;
  esac
done
llama_bin=${pos[0]:-$HOME/llama.cpp-ref/build/bin}
engine=$(realpath "${pos[1]:-build/bench/engine_bench}")
models=("${pos[@]:2}")
[[ ${#models[@]} -gt 0 ]] || models=(models/llmzip-default.gguf smollm2-135m qwen2.5-0.5b)
gen="$(dirname "$engine")/gen_bench_model"
for exe in "$llama_bin/llama-bench" "$llama_bin/llama-batched-bench" "$engine" ${base:+"$base"}; do
  [[ -x "$exe" ]] || { echo "vs_llamacpp.sh: $exe not found or not executable" >&2; exit 2; }
done
mkdir -p "$MODEL_DIR" "$LOG_DIR" "$(dirname "$csv")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Sequence counts and positions of the decode workload; -c must hold npl x (npp + ntg).
npl=64
max_npp=$(tr ',' '\n' <<<"$npp" | sort -n | tail -1)
ctx=$((npl * (max_npp + steps)))

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $threads threads" >&2
echo "# llama.cpp: $llama_bin" >&2
echo "# engine_bench: $engine${base:+, base: $base}" >&2

rows="$work/rows.csv"   # model,workload,engine,tokens_per_s
: >"$rows"

# engine_bench run -> tokens/s (column 7 of its CSV) and CPU use (column 10), to stderr.
engine_tps() {  # exe tag model workload-args...
  local exe="$1" tag="$2" model="$3"; shift 3
  local out="$work/eb.csv"
  "$exe" --model "$model" --threads "$threads" --csv "$out" "$@" >"$LOG_DIR/$tag.log" 2>&1 ||
    { echo "vs_llamacpp.sh: engine_bench failed, see $LOG_DIR/$tag.log" >&2; return 1; }
  awk -F, 'NR == 2 { printf "%s %s\n", $7, $10 }' "$out"
}

for m in "${models[@]}"; do
  if [[ "$m" == *.gguf ]]; then
    f="$m"
  else
    f="$MODEL_DIR/$m.Q8_0.gguf"
    if [[ ! -f "$f" ]]; then
      [[ -x "$gen" ]] || { echo "vs_llamacpp.sh: $gen not found (needed to generate $f)" >&2; exit 2; }
      echo "generating $f" >&2
      "$gen" "$m" "$f" >&2
    fi
  fi
  [[ -f "$f" ]] || { echo "vs_llamacpp.sh: $f not found" >&2; exit 2; }
  name=$(basename "$f" .gguf)
  lf=$(python3 bench/gguf_for_llamacpp.py "$f" "$MODEL_DIR/$name.llamacpp.gguf")

  # pp512
  echo "[$name] llama-bench pp512" >&2
  "$llama_bin/llama-bench" -m "$lf" -p 512 -n 0 -t "$threads" -r 3 -o csv >"$work/lb.csv" 2>"$LOG_DIR/$name.llama-bench.log" ||
    { echo "vs_llamacpp.sh: llama-bench failed, see $LOG_DIR/$name.llama-bench.log" >&2; exit 1; }
  cp "$work/lb.csv" "$LOG_DIR/$name.llama-bench.csv"
  read -r tps commit < <(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1])))[-1]; print(r["avg_ts"], r["build_commit"])' "$work/lb.csv")
  [[ -n "$tps" ]] || { echo "vs_llamacpp.sh: no avg_ts in $LOG_DIR/$name.llama-bench.csv" >&2; exit 1; }
  echo "  llama.cpp build $commit: $tps tokens/s" >&2
  echo "$name,pp512,llama.cpp,$tps" >>"$rows"
  for pair in "llmzip:$engine" ${base:+"llmzip-base:$base"}; do
    tag=${pair%%:*}; exe=${pair#*:}
    echo "[$name] $tag frame 512" >&2
    res=$(engine_tps "$exe" "$name.$tag.frame" "$f" --workload frame --frame 512 --repeat "$repeat_frame")
    read -r tps util <<<"$res"
    echo "  $tps tokens/s, CPU use $util" >&2
    echo "$name,pp512,$tag,$tps" >>"$rows"
  done

  # decode, 64 sequences
  echo "[$name] llama-batched-bench npl $npl npp $npp ntg $steps" >&2
  "$llama_bin/llama-batched-bench" -m "$lf" -npl "$npl" -npp "$npp" -ntg "$steps" -t "$threads" -c "$ctx" \
    --output-format jsonl >"$LOG_DIR/$name.batched-bench.log" 2>&1 ||
    { echo "vs_llamacpp.sh: llama-batched-bench failed, see $LOG_DIR/$name.batched-bench.log" >&2; exit 1; }
  python3 - "$LOG_DIR/$name.batched-bench.log" "$name" "$steps" >>"$rows" <<'EOF'
import json, re, sys
log, name, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = 0
for line in open(log, errors="replace"):
    line = line.strip()
    if line.startswith('{"n_kv_max"'):
        r = json.loads(re.sub(r"-?\b(nan|inf)\b", "null", line))  # speed_pp is nan when npp = 0
        pp, tg = r["pp"], r["tg"]
        print(f"{name},decode{r['pl']}_pos{pp}-{pp + tg - 1},llama.cpp,{r['speed_tg']:.2f}")
        n += 1
if n == 0:
    sys.exit(f"no results in {log}")
EOF
  for pair in "llmzip:$engine" ${base:+"llmzip-base:$base"}; do
    tag=${pair%%:*}; exe=${pair#*:}
    echo "[$name] $tag seqs $npl steps $steps" >&2
    res=$(engine_tps "$exe" "$name.$tag.seqs" "$f" --workload seqs --seqs "$npl" --steps "$steps" --repeat "$repeat_seqs")
    read -r tps util <<<"$res"
    echo "  $tps tokens/s, CPU use $util" >&2
    echo "$name,decode${npl}_pos0-$((steps - 1)),$tag,$tps" >>"$rows"
  done
done

# Ratios against the llama.cpp row of the same model and workload.
awk -F, 'BEGIN { OFS = "," }
  { key = $1 "," $2; n++; line[n] = $0; k[n] = key; e[n] = $3; t[n] = $4; if ($3 == "llama.cpp") ref[key] = $4 }
  END {
    print "model,workload,engine,tokens_per_s,ratio_llmzip_over_llamacpp"
    for (i = 1; i <= n; i++) {
      r = (e[i] != "llama.cpp" && (k[i] in ref) && ref[k[i]] > 0) ? sprintf("%.2f", t[i] / ref[k[i]]) : ""
      printf "%s,%s,%.1f,%s\n", k[i], e[i], t[i], r
    }
  }' "$rows" >"$csv"
echo "wrote $csv" >&2

echo
if [[ -n "$base" ]]; then
  echo "| model | workload | llama.cpp tokens/s | llmzip tokens/s | llmzip / llama.cpp | llmzip-base tokens/s | base / llama.cpp |"
  echo "|---|---|---:|---:|---:|---:|---:|"
else
  echo "| model | workload | llama.cpp tokens/s | llmzip tokens/s | llmzip / llama.cpp |"
  echo "|---|---|---:|---:|---:|"
fi
awk -F, -v base="$base" 'NR > 1 {
    key = $1 " | " $2
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    tps[key, $3] = $4; ratio[key, $3] = $5
  }
  function cell(x) { return x == "" ? "–" : x }
  END {
    for (i = 1; i <= n; i++) {
      key = order[i]
      r = ratio[key, "llmzip"]; rs = r == "" ? "–" : r "×"
      line = sprintf("| %s | %s | %s | %s |", key, cell(tps[key, "llama.cpp"]), cell(tps[key, "llmzip"]), rs)
      if (base != "") {
        r = ratio[key, "llmzip-base"]; rs = r == "" ? "–" : r "×"
        line = line sprintf(" %s | %s |", cell(tps[key, "llmzip-base"]), rs)
      }
      print line
    }
  }' "$csv"
