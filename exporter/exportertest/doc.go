// Package exportertest is the test kit of package exporter, in the manner of
// the SDK's tracetest: TestSink is the conformance suite every
// exporter.Sink must pass, and Harness is the fidelity harness that checks
// the record the record processor rebuilds from a run's spans equals the
// record the run returned.
package exportertest
