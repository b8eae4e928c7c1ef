#!/usr/bin/env bash
# Runs the stream read benchmark: run.sh <build-dir> [--quick | stream_read_bench flags...]
set -euo pipefail
build=$(cd "${1:?usage: run.sh <build-dir> [flags]}" && pwd)
shift
if [[ ${1:-} == --quick ]]; then
  shift
  set -- --rounds 20 "$@"
fi
exec "$build/bench/stream_read_bench" "$@"
