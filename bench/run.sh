#!/usr/bin/env bash
# Builds the benchmarks in Release and runs them; prints one line per figure: "ratio <name> <value>".
#   bench/run.sh --quick   short run (about two minutes)
#   bench/run.sh [--full]  the run behind the table in bench/README.md
# BenchmarkDotNet's own output goes to bench/BenchmarkDotNet.Artifacts/run.log.
set -euo pipefail
cd "$(dirname "$0")"

mode="--full"
if [ "${1:-}" = "--quick" ]; then
  mode="--quick"
fi

dotnet build BnEngine.Benchmarks/BnEngine.Benchmarks.csproj -c Release --nologo -v quiet >/dev/null
mkdir -p BenchmarkDotNet.Artifacts
log=BenchmarkDotNet.Artifacts/run.log
if ! dotnet BnEngine.Benchmarks/bin/Release/net10.0/BnEngine.Benchmarks.dll "$mode" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  exit 1
fi
grep '^ratio ' "$log"
