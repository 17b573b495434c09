// Package jaegertest starts a real Jaeger v2 process for tests and reads
// traces back from its query API.
//
// The binary is the one `make jaeger` builds from the tools module into
// .cache/bin/jaeger (or the file named by HIVETRACE_JAEGER_BIN). Start gives
// it a configuration with four free loopback ports, waits until it serves,
// and stops it when the test ends, so tests never assume Jaeger's default
// ports are free and never leave a process behind.
//
// When the binary is missing or does not start, Start skips the test, except
// when the environment has CI=true: there it fails, because CI must exercise
// the real component.
package jaegertest
