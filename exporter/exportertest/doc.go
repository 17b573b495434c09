// Package exportertest is the test kit of package exporter, in the manner of
// the SDK's tracetest: TestSink is the conformance suite every
// exporter.Sink must pass, Harness is the fidelity harness that checks the
// record the record processor rebuilds from a run's spans equals the record
// the run returned (NewOTLPHarness: the record a receiver rebuilds from the
// run's OTLP spans), and OTLPReceiver is a fake OTLP/HTTP receiver that
// rebuilds the records of the spans a run-span processor sends it.
package exportertest
