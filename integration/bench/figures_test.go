package main

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMeasureSmoke runs every figure on tiny workloads, as `go run ./bench`
// does, and checks the table: the numbers are meaningless at these sizes,
// but every benchmark must run to completion and every figure be reported.
func TestMeasureSmoke(t *testing.T) {
	old := flag.Lookup("test.benchtime").Value.String()
	t.Cleanup(func() { setBenchtime(old) })

	s := fullSizes()
	s.replay, s.memoryRuns, s.jaegerRuns, s.warmup = 2000, 300, 20, 100
	s.benchtime, s.rebuildtime = "2000x", "1x"
	rows, err := measure(s)
	require.NoError(t, err)

	var out bytes.Buffer
	writeTable(&out, rows)
	table := out.String()
	t.Log("\n" + table)
	for _, fig := range []string{"1 ", "2 ", "3 ", "4 ", "5 ", "6 "} {
		assert.Contains(t, table, "\n"+fig, "figure %s missing", fig)
	}
	for _, r := range rows {
		switch {
		case r.skipped != "":
		case strings.HasPrefix(r.figure, "5"): // the heap may shrink
		case r.unit == "allocs": // a call may allocate nothing
			assert.GreaterOrEqual(t, r.measured, 0.0, "%s", r.figure)
		default:
			assert.Positive(t, r.measured, "%s", r.figure)
		}
	}
	// Figure 6, when Jaeger is there, must rebuild every record.
	for _, r := range rows {
		if strings.HasPrefix(r.figure, "6") && r.skipped == "" {
			assert.Equal(t, float64(s.jaegerRuns), r.measured, r.note)
		}
	}
}

func TestRowPass(t *testing.T) {
	assert.True(t, row{measured: 1.2, target: 1.2, dir: atMost}.pass())
	assert.False(t, row{measured: 1.21, target: 1.2, dir: atMost}.pass())
	assert.True(t, row{measured: 5e5, target: 5e5, dir: atLeast}.pass())
	assert.False(t, row{measured: 4e5, target: 5e5, dir: atLeast}.pass())
	assert.False(t, row{measured: 5, target: 5, dir: below}.pass())
	assert.True(t, row{measured: -1, target: 5, dir: below}.pass())
}

func TestNumber(t *testing.T) {
	assert.Equal(t, "1 000 000", number(1e6))
	assert.Equal(t, "12 345", number(12345))
	assert.Equal(t, "300", number(300))
	assert.Equal(t, "1.2", number(1.2))
	assert.Equal(t, "0.0123", number(0.0123))
}

func TestWriteTable(t *testing.T) {
	var out bytes.Buffer
	missed := writeTable(&out, []row{
		{figure: "1 a", measured: 1.1, unit: "×", target: 1.2, dir: atMost, note: "first\nsecond"},
		{figure: "2 b", measured: 400, unit: "ns", target: 300, dir: atMost},
		{figure: "6 c", unit: "runs", target: 10, dir: atLeast, skipped: "no Jaeger"},
		{figure: "1b d", measured: 1.3, unit: "×", dir: info},
	})
	assert.Equal(t, 1, missed)
	s := out.String()
	assert.Regexp(t, `1 a\s+1\.1 ×\s+≤ 1\.2 ×\s+0\.92\s+PASS`, s)
	assert.Regexp(t, `2 b\s+400 ns\s+≤ 300 ns\s+1\.33\s+MISS`, s)
	assert.Contains(t, s, "SKIPPED (no Jaeger)")
	assert.Contains(t, s, "(1) first\n    second\n")
	assert.Regexp(t, `1b d\s+1\.3 ×\s+-\s+-\s+INFO`, s)
	assert.True(t, strings.HasSuffix(s, "\n1 of 2 figures met: MISS on 1\n"), s)

	out.Reset()
	assert.Zero(t, writeTable(&out, []row{{figure: "1 a", measured: 1, unit: "×", target: 1.2, dir: atMost}}))
	assert.True(t, strings.HasSuffix(out.String(), "\n1 of 1 figures met\n"), out.String())
}
