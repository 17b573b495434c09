// Package jaegertest starts a real Jaeger v2 process for tests and reads
// traces back from its query API.
//
// The binary is the one `make jaeger` builds from the tools module into
// .cache/bin/jaeger (or the file named by HIVETRACE_JAEGER_BIN). Start gives
// it a configuration with four free loopback ports, waits until it serves,
// and stops it when the test ends, so tests never assume Jaeger's default
// ports are free and never leave a process behind.
//
// StartProcess runs the same binary with a configuration of the test's own
// on as many free loopback ports as it asks for: the binary is an
// OpenTelemetry Collector distribution, so a test can run it as a Collector
// in front of a Jaeger that Start started and of other back ends.
//
// When the binary is missing or does not start, Start skips the test, except
// when the environment has CI=true: there it fails, because CI must exercise
// the real component. StartProcess skips (or fails) the same way when the
// binary is missing, and fails when it does not serve with the test's
// configuration.
package jaegertest
