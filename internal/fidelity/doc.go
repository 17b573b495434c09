// Package fidelity checks that the record rebuilt from a run's spans equals
// the record the run returned. Harness does it for the instrumentation's own
// tests, rebuilding straight from an in-memory exporter's spans; package
// exportertest does it through the record processor with the same
// comparison (AssertIn). The record a run returns is compared in the form
// it leaves the process in: redacted by the payload capture policy.
package fidelity
