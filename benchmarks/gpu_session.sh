#!/usr/bin/env bash
# Every GPU measurement minicnn needs, in one command that ends by a deadline:
#
#   OUT=DIR bash benchmarks/gpu_session.sh [SECONDS [STAGE...]]     (from the repository root)
#
# A GPU machine may be lent for a few minutes only, and may return only a few files. So the
# stages below run in turn, most important first, each stopped at its own cap and at the
# deadline, SECONDS from the start (default 480: inside a ten-minute command, leaving a
# fifteen-minute lease time to rerun a stage). A stage with under 20 seconds left is skipped,
# saying so. After each stage, DIR/gpu-session.tar.gz holds everything written so far, the
# log included: one file, and a run cut short keeps what it measured. Naming stages runs
# only those (to rerun one that failed or was skipped); a rerun with the same DIR adds to
# the archive already there. Unpack the archive into
# benchmarks/results/ (benchmarks/README.md, "On a GPU machine").
#
#   check   benchmarks/gpu_check.py: device and versions, pytest -m gpu, kernel timings
#   train   minicnn train --device gpu: the digits recipe, 100 epochs
#   bench   minicnn bench against cuDNN: the ResNet, LeNet, 1-d and 3-d shapes
#   step    minicnn bench, the LeNet training step on the GPU and on the CPU
set -u -o pipefail
cd "$(dirname "$0")/.."
out=${OUT:?set OUT to the folder to keep}
deadline=$((SECONDS + ${1:-480}))
stages=("${@:2}")
((${#stages[@]})) || stages=(check train bench step)
for name in "${stages[@]}"; do
    case $name in
    check | train | bench | step) ;;
    *) echo "gpu_session.sh: unknown stage '$name' (check, train, bench, step)" >&2 && exit 2 ;;
    esac
done
work=$(mktemp -d)
log="$work/session.log"
export PYTHONPATH=. PYTHONUNBUFFERED=1

# stage NAME CAP COMMAND...: run COMMAND for at most CAP seconds, fewer if the deadline is nearer
stage() {
    local name=$1 cap=$2
    shift 2
    [[ " ${stages[*]} " == *" $name "* ]] || return 0
    local left=$((deadline - SECONDS))
    ((left < cap)) && cap=$left
    if ((cap < 20)); then
        echo "== $name: skipped, $((left < 0 ? 0 : left)) s left before the deadline" | tee -a "$log"
    else
        echo "== $name (at most $cap s): $*" | tee -a "$log"
        local start=$SECONDS
        timeout --kill-after=5 "$cap" "$@" 2>&1 | tee -a "$log"
        local status=${PIPESTATUS[0]}
        ((status == 124 || status == 137)) && status="stopped at $cap s"
        echo "== $name: exit $status after $((SECONDS - start)) s" | tee -a "$log"
    fi
    tar -czf "$out/gpu-session.tar.gz" -C "$work" .
}

mkdir -p "$out"
# a rerun in the same folder adds to the earlier run's archive (its log and files are kept)
if [[ -f $out/gpu-session.tar.gz ]]; then tar -xzf "$out/gpu-session.tar.gz" -C "$work"; fi
stage check 300 python3 benchmarks/gpu_check.py --skip-train --repeats 5 --pytest-timeout 240 \
    --out "$work"
stage train 120 python3 -m minicnn train --device gpu --out "$work/train-gpu"
# the ops of the headline figures first: a bench stopped at its cap has kept them (its JSON
# is rewritten after every case)
stage bench 180 python3 -m minicnn bench --impl cuda-c numba-cuda implicit-gemm cudnn \
    --ops conv-fwd conv-bwd maxpool conv-bwd-data conv-bwd-weights --out "$work/bench"
stage step 60 python3 -m minicnn bench --ops train-step --impl auto cuda-c implicit-gemm \
    --out "$work/step"
echo "wrote $out/gpu-session.tar.gz"
