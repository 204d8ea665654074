#!/usr/bin/env bash
# Regenerates the compression benchmark, in the manner of zstd's
# tests/regression/results.csv: one command, checked-in results, diffable.
#
#   bench/run_bench.sh            # build llmzip if needed, run, rewrite the files below
#   bench/run_bench.sh --check    # run and fail if bench/results.csv would change
#
# Writes
#   bench/results.csv  sizes only (file, model, compressor -> bytes, bits/byte,
#                      adjusted bits/byte). Deterministic for a given llmzip,
#                      model and compressor versions, so CI can diff it.
#   bench/results.md   the full table with speeds (this machine, this run)
#   bench/results.svg  bits/byte bar chart
#
# Corpus: the testdata texts (stories_sample.txt, plain_english.txt) and the
# GPL-3 text every Debian system has (base-files). Models: the built-in model
# (when this build has one) and the testdata's stories260K.gguf.
# Environment: LLMZIP_EXE (default build/cli/llmzip), LLMZIP_TESTDATA
# (default ../shared/testdata), LLMZIP_BENCH_THREADS (default 2, so numbers
# compare across machines of different sizes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
check=0
[ "${1:-}" = "--check" ] && check=1

exe="${LLMZIP_EXE:-$root/build/cli/llmzip}"
if [ ! -x "$exe" ]; then
  cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$root/build" --target llmzip
  exe="$root/build/cli/llmzip"
fi
testdata="${LLMZIP_TESTDATA:-$root/../shared/testdata}"
threads="${LLMZIP_BENCH_THREADS:-2}"

# Files are passed by short names from a scratch folder so the results do not
# depend on where the repository or the testdata live.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
files=()
for f in "$testdata/texts/stories_sample.txt" "$testdata/texts/plain_english.txt" /usr/share/common-licenses/GPL-3; do
  if [ -f "$f" ]; then cp "$f" "$work/"; files+=("$(basename "$f")"); else echo "run_bench: $f missing, skipped" >&2; fi
done
[ ${#files[@]} -gt 0 ] || { echo "run_bench: no input files" >&2; exit 1; }

models=()
if "$exe" score -q - </dev/null 2>/dev/null; then models+=(-m ""); fi   # built-in model present
[ -f "$testdata/models/stories260K.gguf" ] && models+=(-m "$testdata/models/stories260K.gguf")
[ ${#models[@]} -gt 0 ] || { echo "run_bench: no model (no built-in model, no testdata)" >&2; exit 1; }

cmd=(bench -f -T "$threads" "${models[@]}" "${files[@]}")
(cd "$work" && "$exe" "${cmd[@]}" --csv full.csv --markdown table.md --chart chart.svg) >&2

# Sizes only: columns 1-9 of the full CSV (no field there contains a comma).
cut -d, -f1-9 "$work/full.csv" > "$work/results.csv"
if [ $check = 1 ]; then
  if ! diff -u "$root/bench/results.csv" "$work/results.csv"; then
    echo "run_bench: bench/results.csv changed (rerun bench/run_bench.sh and commit if intended)" >&2
    exit 1
  fi
  exit 0
fi
# The command as a person would type it: testdata path shortened, empty -m quoted.
shown=""
for w in "${cmd[@]}"; do
  case "$w" in
    "") w='""' ;;
    "$testdata"/*) w="\$LLMZIP_TESTDATA/${w#"$testdata"/}" ;;
  esac
  shown+="$w "
done
cp "$work/results.csv" "$root/bench/results.csv"
cp "$work/chart.svg" "$root/bench/results.svg"
{
  echo "# llmzip bench results"
  echo
  echo "Made by \`bench/run_bench.sh\` on $(date -u +%Y-%m-%d), $("$exe" --version | head -n1)."
  echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), llmzip with $threads threads;"
  echo "classic compressors single-threaded:"
  for p in gzip bzip2 xz zstd brotli zpaq; do
    command -v "$p" >/dev/null && printf '%s ' "$p $(dpkg-query -W -f='${Version}' "$( [ "$p" = xz ] && echo xz-utils || echo "$p")" 2>/dev/null || true);"
  done
  echo
  echo
  echo "Command (in a folder holding the inputs): \`llmzip ${shown% }\`"
  echo "(\`-m \"\"\` is the built-in model.)"
  echo
  cat "$work/table.md"
  echo
  echo "*adjusted* counts the model file in the compressed size (as in \"Language Modeling Is Compression\");"
  echo "KiB/s is input KiB per second of wall-clock time, including process and model start-up."
} > "$root/bench/results.md"
echo "run_bench: wrote bench/results.csv, bench/results.md, bench/results.svg" >&2
