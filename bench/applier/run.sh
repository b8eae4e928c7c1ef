#!/usr/bin/env bash
# Runs the applier end-to-end benchmark: run.sh <build-dir> [--quick | applier_bench flags...]
set -euo pipefail
build=$(cd "${1:?usage: run.sh <build-dir> [flags]}" && pwd)
shift
export WB_CLI_PATH=${WB_CLI_PATH:-$build/writebehind}
export WB_MODULE_PATH=${WB_MODULE_PATH:-$build/writebehind.so}
exec "$build/bench/applier_bench" "$@"
