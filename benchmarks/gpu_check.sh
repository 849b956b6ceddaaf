#!/usr/bin/env bash
# The GPU switches on a lent GPU, one table (benchmarks/gpu_check.py); exits 3 without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python -m benchmarks.gpu_check "$@"
