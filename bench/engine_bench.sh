#!/usr/bin/env bash
# Engine benchmark with one command: builds the benchmark tools (Release),
# generates the random-weight models if missing, runs engine_bench and writes
# a CSV. Measurements are data: bench/engine_bench.csv is the checked-in
# output of this script (bench/engine_bench.md: machine, method, table).
#
#   bench/engine_bench.sh [--models smollm2-135m,qwen2.5-0.5b] [--quick] [engine_bench options...]
#   (--quick: one repetition, 16 steps, CSV to out/engine_bench.quick.csv)
#
# Environment: BUILD_DIR (default build-bench), MODEL_DIR (default out/bench-models),
# CSV (default bench/engine_bench.csv).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-bench}
MODEL_DIR=${MODEL_DIR:-out/bench-models}
CSV_DEFAULT=bench/engine_bench.csv
models="smollm2-135m,qwen2.5-0.5b"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    # A quick look never overwrites the checked-in results.
    --quick) extra+=(--repeat 1 --steps 16); CSV_DEFAULT=out/engine_bench.quick.csv; shift ;;
    *) extra+=("$1"); shift ;;
  esac
done

if [[ ! -x "$BUILD_DIR/bench/engine_bench" || ! -x "$BUILD_DIR/bench/gen_bench_model" ]] || [[ -n "${REBUILD:-}" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLMZIP_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" --target engine_bench gen_bench_model -j"$(nproc)" >/dev/null

CSV=${CSV:-$CSV_DEFAULT}
mkdir -p "$MODEL_DIR" "$(dirname "$CSV")"
args=()
IFS=',' read -ra names <<<"$models"
for m in "${names[@]}"; do
  f="$MODEL_DIR/$m.Q8_0.gguf"
  if [[ ! -f "$f" ]]; then
    echo "generating $f" >&2
    "$BUILD_DIR/bench/gen_bench_model" "$m" "$f" >&2
  fi
  args+=(--model "$f")
done

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$BUILD_DIR/bench/engine_bench" "${args[@]}" --threads 1,2 --seqs 1,16,64 --csv "$CSV" "${extra[@]}"
echo "wrote $CSV" >&2

# The same results as a Markdown table (for the README / issue notes).
echo
echo "| model | isa | threads | workload | sequences | tokens/s | tokens per CPU-s | peak RSS MiB | CPU use |"
echo "|---|---|---:|---|---:|---:|---:|---:|---:|"
awk -F, 'NR > 1 { printf "| %s | %s | %s | %s | %s | %.1f | %.1f | %.0f | %.0f%% |\n", $1, $2, $3, $4, $5, $7, $11, $9, 100 * $10 }' "$CSV"
