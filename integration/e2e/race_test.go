//go:build race

package e2e_test

// raceEnabled is true when the tests run under the race detector; the hive
// command is then built with it too, so the build reuses the packages the
// test binary's own build compiled.
const raceEnabled = true
