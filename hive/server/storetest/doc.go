// Package storetest checks that a server.Store behaves as its documentation
// says: project and task registration, Ingest (registering what it names in
// the same call, idempotent by key, with per-entry errors, task uuid clashes
// and concurrent callers), project scoping, listing order, pages and
// streaming, quality and copies, and the staging of spans (SpanStager:
// completion, claims, redelivery, incomplete records completed later,
// sweeps). Every Store implementation should pass Run
// in its tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) server.Store { return openMyStore(t) })
//	}
//
// It also holds the workloads the stores' benchmarks share, so their
// figures compare: BenchRecord and BenchBatch for ingest, FillStats and
// BenchmarkTaskStats for the statistics and filtered listings.
package storetest
