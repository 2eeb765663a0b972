#!/usr/bin/env sh
# The one publish command of the service: the Dockerfile runs it, and so can you.
# Usage: scripts/publish.sh [output directory, default artifacts/publish]
set -eu
cd "$(dirname "$0")/.."
out="${1:-artifacts/publish}"
dotnet publish src/BnService/BnService.csproj --configuration Release --output "$out" --nologo
