package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestReportWrite(t *testing.T) {
	var r report
	r.add(
		row{scenario: "outage", load: "500 runs/s", figure: "records lost", measured: "0 of 45 000", target: "0", result: check(true)},
		row{scenario: "outage", load: "500 runs/s", figure: "duplicates", measured: "3", target: "reported", result: info},
		row{scenario: "throughput", load: "10 000 runs/s", figure: "delivered/s", measured: "557 /s", target: "≥ 10 000 /s", result: check(false)},
	)
	r.failed("spool", "-", errors.New("restart hive serve:\n  port in use"))
	r.note("outage: two\nlines")
	var b bytes.Buffer
	r.write(&b)
	out := b.String()
	lines := strings.Split(out, "\n")
	assert.Equal(t, []string{"SCENARIO", "LOAD", "FIGURE", "MEASURED", "TARGET", "RESULT"}, strings.Fields(lines[0]))
	assert.Regexp(t, `^outage +500 runs/s +records lost +0 of 45 000 +0 +PASS$`, lines[1])
	assert.Regexp(t, `duplicates +3 +reported +-$`, lines[2])
	assert.Regexp(t, `delivered/s +557 /s +≥ 10 000 /s +\*\*MISS\*\*$`, lines[3])
	assert.Regexp(t, `^spool .*error: restart hive serve: port in use +no error +\*\*MISS\*\*$`, lines[4])
	assert.Contains(t, out, "- outage: two\n  lines\n")
	assert.Contains(t, out, "**MISS**: 2 of 3 figures missed their target.")
	assert.Equal(t, 2, r.misses())
}

func TestReportAllPass(t *testing.T) {
	var r report
	r.add(row{scenario: "s", figure: "f", result: pass}, row{scenario: "s", figure: "g", result: info})
	var b bytes.Buffer
	r.write(&b)
	assert.Contains(t, b.String(), "PASS: all 1 figures reached their target.")
	assert.NotContains(t, b.String(), "MISS")
}

func TestCount(t *testing.T) {
	assert.Equal(t, "0", count(0))
	assert.Equal(t, "999", count(999))
	assert.Equal(t, "10 000", count(10_000))
	assert.Equal(t, "1 234 567", count(int64(1_234_567)))
	assert.Equal(t, "-45 000", count(-45_000))
}

func TestSecs(t *testing.T) {
	assert.Equal(t, "60s", secs(time.Minute))
	assert.Equal(t, "2.5s", secs(2500*time.Millisecond))
}
