#!/usr/bin/env bash
# Trains the default model on one CUDA GPU and leaves everything needed to
# ship it in OUTDIR: the Q8_0 GGUF, a float16 checkpoint (split into 15 MB
# parts; join with `cat slim.pt.part-* > slim.pt`), the log and the config.
#
#   tools/train/gpu_train.sh DATADIR OUTDIR SECONDS
#
# DATADIR holds tokenizer.json, train.u16 and valid.u16 (tools/bpe/train_bpe.py),
# or their .xz-compressed forms (to ship: `xz -k tools/work/tok/*.u16` and
# carry only tokenizer.json and the .xz files: 17 MB instead of 42), which are
# unpacked with Python's lzma module (no xz program needed on the GPU machine).
# The model shape is the one the committed default model uses; SECONDS is the
# wall-clock training budget (the cosine schedule follows it).  With STEPS=N
# set, the run is N steps with a step-based cosine instead (SECONDS is then
# only a safety limit): the reproducible form, whatever the GPU's speed.
# Other knobs: BATCH (64), LR (2e-3), EVAL_EVERY (250), RUN (/tmp/llmzip-run;
# a run resumes from RUN/ckpt.pt if one is there), PY, DEVICE.
set -euo pipefail
DATA=$1 OUT=$2 BUDGET=$3
RUN=${RUN:-/tmp/llmzip-run}
PY=${PY:-python3}
DEVICE=${DEVICE:-cuda}
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")/../.."
mkdir -p "$OUT" "$RUN"
if [ -f "$DATA/train.u16.xz" ]; then
  mkdir -p "$RUN/data"
  $PY - "$DATA" "$RUN/data" <<'PYEOF'
import lzma, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
shutil.copy(os.path.join(src, "tokenizer.json"), dst)
for n in ("train.u16", "valid.u16"):
    p = os.path.join(src, n)
    if os.path.exists(p + ".xz"):
        with lzma.open(p + ".xz") as f, open(os.path.join(dst, n), "wb") as g:
            shutil.copyfileobj(f, g, 1 << 20)
    else:
        shutil.copy(p, dst)
PYEOF
  DATA="$RUN/data"
fi
nvidia-smi --query-gpu=name,memory.total --format=csv 2>/dev/null || true
$PY -c 'import torch; print("torch", torch.__version__, torch.cuda.is_available())'
# The hard limit leaves time for the export even if a step or an evaluation
# hangs; the last periodic checkpoint is exported then.
TB=$BUDGET; [ -n "${STEPS:-}" ] && TB=0
set +e
timeout $((BUDGET + 60)) $PY tools/train/train.py --device "$DEVICE" --data "$DATA" --run "$RUN" \
    --n-ctx 1024 --n-embd 384 --n-layer 6 --n-head 6 --n-head-kv 6 --n-ff 1024 \
    --batch "${BATCH:-64}" --steps "${STEPS:-1000000}" --time-budget "$TB" \
    --lr "${LR:-2e-3}" --warmup 200 --eval-every "${EVAL_EVERY:-250}" --ckpt-minutes 2 \
    2>&1 | tee "$OUT/train.log"
echo "train.py exit: ${PIPESTATUS[0]}"
set -e
cp "$RUN/log.tsv" "$RUN/config.json" "$OUT/"
$PY tools/gguf/export.py --ckpt "$RUN/ckpt.pt" --tok "$DATA/tokenizer.json" \
    --out "$OUT/llmzip-default.gguf" --type q8_0 || echo "export failed"
$PY tools/train/slim.py "$RUN/ckpt.pt" "$RUN/slim.pt" || echo "slim failed"
split -b 15m "$RUN/slim.pt" "$OUT/slim.pt.part-"
ls -l "$OUT"
