#!/usr/bin/env bash
# Runs the test suite of each module given (directories holding a go.mod)
# under the race detector, then prints how many packages were tested and
# fails if that is fewer than MIN_TESTED_PACKAGES.
#
#   scripts/test-modules.sh . exporter hive/server examples integration
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
# Each module is tested as users build it: a developer's go.work is ignored.
export GOWORK=off
min=${MIN_TESTED_PACKAGES:-0}
tested=0
failed=()
for mod in "$@"; do
	echo "== test module ${mod}"
	n=$(cd "$mod" && "$GO" list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./... | grep -c . || true)
	tested=$((tested + n))
	if ! (cd "$mod" && "$GO" test -race -count=1 -timeout 30m ./...); then
		failed+=("$mod")
	fi
done
echo "tested packages: ${tested} in $# modules (minimum ${min})"
if ((${#failed[@]} > 0)); then
	echo "FAIL: tests failed in: ${failed[*]}" >&2
	exit 1
fi
if ((tested < min)); then
	echo "FAIL: ${tested} tested packages, fewer than ${min}: a module or package lost its tests" >&2
	exit 1
fi
