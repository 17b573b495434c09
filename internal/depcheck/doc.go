// Package depcheck holds the test that keeps the instrumentation on the
// OpenTelemetry API only: a program that imports nothing but package task
// must not build against the SDK, OTLP, gRPC, protobuf or a database driver,
// and must stay within a budget of packages and modules. The check runs
// offline, against the module cache the test suite already filled.
package depcheck
