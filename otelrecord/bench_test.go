package otelrecord

import (
	"fmt"
	"testing"
	"time"
)

// reportRate reports items per second of wall time and, where the platform
// tells, per second of process CPU time (run with -cpu 1 for a one-core
// figure: the CPU time then includes the garbage collector's share).
func reportRate(b *testing.B, items int, unit string, cpuStart time.Duration) {
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), unit+"/s")
	if cpu := processCPUTime() - cpuStart; cpuStart > 0 && cpu > 0 {
		b.ReportMetric(float64(items)/cpu.Seconds(), unit+"/cpu-s")
	}
}

// benchRun returns the task-run span and n boundary spans (over three
// boundaries, scrambled) of one run.
func benchRun(uuid string, n int) (Span, []Span) {
	ts := scenarioTask()
	ts.uuid, ts.calls = uuid, n
	ts.metrics = metricsJSON(10)
	names := []string{"fetchUser", "clock", "audit"}
	bs := make([]Span, n)
	for i := range bs {
		bs[i] = callSpec{
			id: byte(i), parent: 1, uuid: uuid, name: names[i%3], seq: i,
			start: float64(i), end: float64(i) + 0.75,
			input: `[{"userId":1,"fields":["name","email"]}]`, output: str(`{"id":1,"name":"Ada","email":"ada@example.com"}`),
		}.span()
		bs[i].SpanID[5] = byte(i >> 8)
	}
	return ts.span(), permute(bs)
}

func BenchmarkRebuildRun(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("boundaries=%d", n), func(b *testing.B) {
			task, bs := benchRun(runA, n)
			b.ReportAllocs()
			cpu := processCPUTime()
			for b.Loop() {
				if _, err := RebuildRun(task, bs); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, n*b.N, "boundary_spans", cpu)
		})
	}
}

func BenchmarkRebuild(b *testing.B) {
	const runs, perRun = 100, 10
	var spans []Span
	for r := range runs {
		task, bs := benchRun(fmt.Sprintf("run-%03d", r), perRun)
		spans = append(spans, task)
		spans = append(spans, bs...)
	}
	spans = permute(spans)
	b.ReportAllocs()
	cpu := processCPUTime()
	for b.Loop() {
		recs, err := Rebuild(spans)
		if err != nil || len(recs) != runs {
			b.Fatal(err, len(recs))
		}
	}
	reportRate(b, len(spans)*b.N, "spans", cpu)
}

func BenchmarkAssembler(b *testing.B) {
	task, bs := benchRun(runA, 10)
	spans := append([]Span{task}, bs...)
	b.ReportAllocs()
	cpu := processCPUTime()
	for b.Loop() {
		a := NewAssembler(WithMaxPendingRuns(16))
		if recs := a.Add(spans...); len(recs) != 1 {
			b.Fatal(len(recs))
		}
	}
	reportRate(b, len(spans)*b.N, "spans", cpu)
}

// BenchmarkValidJSON validates the payloads of a typical lookup, as rebuild
// does for every call.
func BenchmarkValidJSON(b *testing.B) {
	payloads := []string{`[{"userId":1,"fields":["name","email"]}]`, `{"id":1,"name":"Ada","email":"ada@example.com"}`}
	n := 0
	for _, p := range payloads {
		n += len(p)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, p := range payloads {
			if !validJSON(p) {
				b.Fatal(p)
			}
		}
	}
}
