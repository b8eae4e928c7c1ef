#!/usr/bin/env bash
# Runs the expression benchmark: run.sh <build-dir> [--quick | Google Benchmark flags...]
set -euo pipefail
build=${1:?usage: run.sh <build-dir> [--quick | flags]}
shift
if [[ ${1:-} == --quick ]]; then
  shift
  set -- --benchmark_min_time=0.05 "$@"
fi
exec "$build/bench/expr_bench" "$@"
