#!/usr/bin/env bash
# Builds the benchmarks in Release and runs them; prints one line per figure: "ratio <name> <value>".
#   bench/run.sh --quick   short run (engine about two minutes, service end to end about two more)
#   bench/run.sh [--full]  the run behind the tables in bench/README.md
#   bench/run.sh --quick --rounds 3 ...   arguments after the mode go to the service load tool (bench/README.md)
# BenchmarkDotNet's own output goes to bench/BenchmarkDotNet.Artifacts/run.log, the service load tool's full
# table to bench/BenchmarkDotNet.Artifacts/load.log.
set -euo pipefail
cd "$(dirname "$0")"

mode="--full"
if [ "${1:-}" = "--quick" ] || [ "${1:-}" = "--full" ]; then
  mode="$1"
  shift
fi

dotnet build BnEngine.Benchmarks/BnEngine.Benchmarks.csproj -c Release --nologo -v quiet >/dev/null
mkdir -p BenchmarkDotNet.Artifacts
log=BenchmarkDotNet.Artifacts/run.log
if ! dotnet BnEngine.Benchmarks/bin/Release/net10.0/BnEngine.Benchmarks.dll "$mode" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  exit 1
fi
grep '^ratio ' "$log"

# The service end to end: BnService (Release) and an echo server with the same Kestrel configuration, same client.
dotnet build ../src/BnService/BnService.csproj -c Release --nologo -v quiet >/dev/null
dotnet build BnService.Load/BnService.Load.csproj -c Release --nologo -v quiet >/dev/null
load=BenchmarkDotNet.Artifacts/load.log
if ! dotnet BnService.Load/bin/Release/net10.0/BnService.Load.dll "$mode" "$@" >"$load" 2>"$load.progress"; then
  tail -n 40 "$load.progress" >&2
  exit 1
fi
grep '^ratio ' "$load"
