#!/usr/bin/env bash
# Runs the transform chain benchmark: run.sh <build-dir> [--quick | Google Benchmark flags...]
# Prints ns per record of a job's filter + add_field + rename_field in JMESPath and SQL.
set -euo pipefail
build=${1:?usage: run.sh <build-dir> [--quick | flags]}
shift
if [[ ${1:-} == --quick ]]; then
  shift
  set -- --benchmark_min_time=0.05 "$@"
fi
exec "$build/bench/transform_bench" "$@"
