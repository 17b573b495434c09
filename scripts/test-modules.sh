#!/usr/bin/env bash
# Runs the test suite of each module given (directories holding a go.mod)
# under the race detector, then prints how many packages were tested and
# fails if that is fewer than MIN_TESTED_PACKAGES.
#
#   scripts/test-modules.sh . exporter hive/server examples integration
#
# The modules named in JAEGER_MODULES (default: integration), whose tests
# start the Jaeger binary, run last, after the command in JAEGER_BUILD (for
# example "make jaeger") has built it: every other module is tested first,
# so a failure there shows before the one-time Jaeger build. A failing module
# is reported at once and the others still run.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
# Each module is tested as users build it: a developer's go.work is ignored.
export GOWORK=off
min=${MIN_TESTED_PACKAGES:-0}
jaeger_modules=" ${JAEGER_MODULES-integration} "
tested=0
failed=()
suite_start=$(date +%s)

test_module() {
	local mod=$1 n start
	n=$(cd "$mod" && "$GO" list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./... | grep -c . || true)
	tested=$((tested + n))
	echo "== test module ${mod} (${n} packages with tests)"
	start=$(date +%s)
	if (cd "$mod" && "$GO" test -race -count=1 -timeout 30m ./...); then
		echo "== ok module ${mod} in $(($(date +%s) - start)) s"
	else
		echo "== FAIL module ${mod} after $(($(date +%s) - start)) s" >&2
		failed+=("$mod")
	fi
}

later=()
for mod in "$@"; do
	if [[ $jaeger_modules == *" $mod "* ]]; then
		later+=("$mod")
		continue
	fi
	test_module "$mod"
done
if ((${#later[@]} > 0)); then
	if [ -n "${JAEGER_BUILD:-}" ]; then
		echo "== the modules that start Jaeger next (${later[*]}): building it first if missing"
		if ! $JAEGER_BUILD; then
			echo "FAIL: the Jaeger build failed; ${later[*]} not tested" >&2
			exit 1
		fi
	fi
	for mod in "${later[@]}"; do
		test_module "$mod"
	done
fi
echo "tested packages: ${tested} in $# modules (minimum ${min}), $(($(date +%s) - suite_start)) s"
if ((${#failed[@]} > 0)); then
	echo "FAIL: tests failed in: ${failed[*]}" >&2
	exit 1
fi
if ((tested < min)); then
	echo "FAIL: ${tested} tested packages, fewer than ${min}: a module or package lost its tests" >&2
	exit 1
fi
