package main

import (
	"fmt"
	"strconv"
	"strings"
)

// searchStatus is the progress line of a --service rebuild.
func (r *rebuilder) searchStatus() string {
	pct := 100
	if r.stats.span > 0 {
		pct = int(min(100, 100*float64(r.stats.covered)/float64(r.stats.span)))
	}
	return fmt.Sprintf("%s: %s done (%d%% of the range), %s read, %s rebuilt", rebuildName,
		plural(r.stats.windows, "window"), pct, plural(r.stats.traces, "trace"), plural(r.stats.records, "record"))
}

// traceStatus is the progress line of a --trace rebuild of n traces.
func (r *rebuilder) traceStatus(n int) string {
	return fmt.Sprintf("%s: %d/%s read, %s rebuilt", rebuildName, r.stats.traces, plural(n, "trace"), plural(r.stats.records, "record"))
}

// summary is the last line of a rebuild: what was read and rebuilt, and
// with --send what became of the records.
func (r *rebuilder) summary(windows bool) string {
	s := r.stats
	read := plural(s.traces, "trace") + " read"
	if windows {
		read += " in " + plural(s.windows, "window")
	}
	if s.noRun > 0 {
		read += fmt.Sprintf(" (%d without a task run)", s.noRun)
	}
	parts := []string{read, plural(s.records, "record") + " rebuilt", strconv.Itoa(s.incomplete) + " incomplete"}
	if r.client != nil {
		parts = append(parts, strconv.Itoa(s.sent)+" sent", strconv.Itoa(s.stored)+" already stored")
		if s.notSent > 0 {
			parts = append(parts, strconv.Itoa(s.notSent)+" not sent")
		}
	}
	return strings.Join(parts, ", ")
}

// plural writes n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
