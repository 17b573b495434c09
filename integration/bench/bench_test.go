package main

import (
	"testing"
)

// The figures as `go test -bench` benchmarks. Figures 5 and 6 do a fixed
// amount of work whatever b.N is: run them with -benchtime 1x.

func BenchmarkBoundaryCallSDK(b *testing.B)   { BoundaryCallSDK(b) }
func BenchmarkBareSpanSDK(b *testing.B)       { BareSpanSDK(b) }
func BenchmarkBoundaryCallNoop(b *testing.B)  { BoundaryCallNoop(b) }
func BenchmarkConventionSpanSDK(b *testing.B) { ConventionSpanSDK(b) }
func BenchmarkReplay10k(b *testing.B)         { Replay(10_000)(b) }
func BenchmarkReplay100k(b *testing.B)        { Replay(100_000)(b) }
func BenchmarkRebuild(b *testing.B)           { Rebuild(b) }

// BenchmarkMemory runs 100 000 runs (a tenth of figure 5) to keep the
// default `go test -bench .` short; `go run ./bench` runs the full million.
func BenchmarkMemory(b *testing.B) { Memory(100_000, memoryWarmup)(b) }

func BenchmarkJaeger(b *testing.B) {
	var res JaegerResult
	Jaeger(10_000, &res)(b)
	b.ReportMetric(float64(res.Equal), "records_equal")
	b.ReportMetric(float64(res.Dropped()), "spans_dropped")
	b.ReportMetric(res.QueryTime.Seconds(), "query_s")
	b.ReportMetric((res.RunTime + res.FlushTime).Seconds(), "export_s")
}

func BenchmarkBoundaryCallSDKRow(b *testing.B)  { BoundaryCallSDKRow(b) }
func BenchmarkBareSpanSDKRow(b *testing.B)      { BareSpanSDKRow(b) }
func BenchmarkBoundaryCallNoopRow(b *testing.B) { BoundaryCallNoopRow(b) }

// BenchmarkOTLPIngest is figure 7 (400 exports whatever b.N is: run it with
// -benchtime 1x).
func BenchmarkOTLPIngest(b *testing.B) {
	for range b.N {
		res, err := otlpIngest(b.Context(), 400)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.Rate(), "boundary_spans/s")
		b.ReportMetric(res.InProcess, "inprocess_spans/s")
		b.ReportMetric(float64(res.PeakRSS>>20), "peak_rss_MB")
	}
}
