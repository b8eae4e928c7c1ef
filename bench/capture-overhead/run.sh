#!/usr/bin/env bash
# Runs the capture-overhead benchmark: run.sh <build-dir> [--quick | capture_overhead flags...]
set -euo pipefail
build=${1:?usage: run.sh <build-dir> [flags]}
shift
exec "$build/bench/capture_overhead" --module "$build/writebehind.so" "$@"
