package server

import "sync/atomic"

// OTLPStats counts what the server's OTLP endpoints received and what became
// of it, since the server was made. Counts are of this Server value only,
// not of other servers sharing its store.
type OTLPStats struct {
	// Exports is the number of exports (requests) accepted.
	Exports int64
	// Spans is the number of spans those exports carried.
	Spans int64
	// Outside is the number of spans outside the convention (without
	// hive.kind): counted, neither decoded further nor stored.
	Outside int64
	// NoRun is the number of boundary spans of the convention that belong
	// to no record: calls made outside any run, or past their run's bound.
	NoRun int64
	// Rejected is the number of spans refused (answered as rejected spans in
	// a partial success).
	Rejected int64
	// Staged is the number of spans stored to wait for the rest of their
	// run.
	Staged int64
	// Records is the number of records assembled from spans and stored
	// (created or, for a run stored incomplete, completed).
	Records int64
	// Incomplete is the number of records stored marked incomplete because
	// spans of their run were still missing after the assembly wait.
	Incomplete int64
	// Refused is the number of runs assembled from staged spans whose
	// record was refused (invalid, or over the record limit), and logged.
	Refused int64
	// Dropped is the number of staged boundary spans dropped because their
	// task-run span never arrived within the retention.
	Dropped int64
}

// otlpCounters are the atomic counters behind OTLPStats.
type otlpCounters struct {
	exports, spans, outside, noRun, rejected, staged, records, incomplete, refused, dropped atomic.Int64
}

// OTLPStats returns the server's OTLP counters.
func (s *Server) OTLPStats() OTLPStats {
	c := &s.otlp
	return OTLPStats{
		Exports:    c.exports.Load(),
		Spans:      c.spans.Load(),
		Outside:    c.outside.Load(),
		NoRun:      c.noRun.Load(),
		Rejected:   c.rejected.Load(),
		Staged:     c.staged.Load(),
		Records:    c.records.Load(),
		Incomplete: c.incomplete.Load(),
		Refused:    c.refused.Load(),
		Dropped:    c.dropped.Load(),
	}
}
