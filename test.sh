#!/usr/bin/env bash
# Builds the solution and runs every test. TRX results land in ./TestResults.
# Extra arguments go to the test platform, e.g. ./test.sh --filter-class 'RestMail.Tests.Hosting.*'
set -euo pipefail
cd "$(dirname "$0")"
dotnet build RestMail.sln
dotnet test --project tests/RestMail.Tests --no-build --results-directory "$PWD/TestResults" -- --report-xunit-trx "$@"
