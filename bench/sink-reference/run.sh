#!/usr/bin/env bash
# Runs the sink reference benchmark: run.sh <build-dir> [--quick | sink_reference_bench flags...]
set -euo pipefail
build=${1:?usage: run.sh <build-dir> [flags]}
shift
exec "$build/bench/sink_reference_bench" "$@"
