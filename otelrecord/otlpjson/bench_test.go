package otlpjson

import (
	"os"
	"testing"
)

func BenchmarkSpans(b *testing.B) {
	data, err := os.ReadFile("../testdata/jaeger_trace.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Spans(data); err != nil {
			b.Fatal(err)
		}
	}
}
