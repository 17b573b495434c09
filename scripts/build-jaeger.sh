#!/usr/bin/env bash
# Builds the Jaeger v2 binary the tests need from the tools module into the
# path given, showing how far the build has come: the module downloads, then
# one line every 100 packages compiled (of the binary's package count) and
# at least every 30 seconds, then the time it took.
#
#   scripts/build-jaeger.sh .cache/bin/jaeger
#
# The binary is written under a temporary name and renamed, so an
# interrupted build never leaves a truncated binary that make would take as
# up to date.
set -euo pipefail
out=$1
GO=${GO:-go}
pkg=github.com/jaegertracing/jaeger/cmd/jaeger
cd "$(dirname "$0")/../tools"
export GOWORK=off
mkdir -p "$(dirname "$out")"
start=$(date +%s)
echo "jaeger: building Jaeger v2 for the tests into $out."
echo "jaeger: the first build on a new machine takes 7-12 minutes on 2 cores (12 when the cores are busy); later builds reuse Go's build cache."
echo "jaeger: downloading modules…"
"$GO" mod download
total=$("$GO" list -deps "$pkg" | wc -l)
echo "jaeger: compiling up to ${total} packages (those already in the build cache are skipped)…"
set +e
"$GO" build -v -o "$out.tmp" "$pkg" 2>&1 | awk -v total="$total" -v start="$start" '
	/^#|error|cannot|undefined/ { print; fflush(); next }
	{
		n++
		now = systime()
		if (n % 100 == 0 || now - last >= 30) {
			printf "jaeger: %d of at most %d packages compiled, %d s\n", n, total, now - start
			fflush()
			last = now
		}
	}'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
	rm -f "$out.tmp"
	echo "jaeger: build failed" >&2
	exit "$status"
fi
mv -f "$out.tmp" "$out"
echo "jaeger: built in $(($(date +%s) - start)) s."
