package recordfmt

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// maxOutcome is the longest error message shown in the outcome column, in
// runes; longer ones are cut with "…".
const maxOutcome = 80

// row is one line of the timing table.
type row struct {
	boundary string
	call     int   // 1-based position in the boundary's calls; 0 when not called
	start    int64 // start offset in ms; valid when hasStart
	hasStart bool
	duration float64 // valid when hasTiming
	hasTime  bool
	outcome  string
}

// WriteTimingTable writes a summary line for the run and a table with one
// row per boundary call: the boundary, the call number (1-based, in call
// order for that boundary), its start offset in milliseconds from the start
// of the run, its duration in milliseconds, and its outcome ("ok" or
// "error: <message>"). Rows are in start order; declared boundaries that were
// not called come last, marked "not called". Unknown values print as "-".
func WriteTimingTable(w io.Writer, rec *otelrecord.ExecutionRecord) error {
	if rec == nil {
		return errors.New("recordfmt: nil record")
	}
	var b strings.Builder
	b.WriteString(summary(rec))
	b.WriteByte('\n')

	rows := tableRows(rec)
	if len(rows) == 0 {
		b.WriteString("(no boundaries)\n")
	} else {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "BOUNDARY\tCALL\tSTART (ms)\tDURATION (ms)\tOUTCOME")
		for _, r := range rows {
			call, start, dur := "-", "-", "-"
			if r.call > 0 {
				call = strconv.Itoa(r.call)
			}
			if r.hasStart {
				start = strconv.FormatInt(r.start, 10)
			}
			if r.hasTime {
				dur = strconv.FormatFloat(r.duration, 'f', 3, 64)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", oneLine(r.boundary), call, start, dur, r.outcome)
		}
		_ = tw.Flush() // writes to a strings.Builder cannot fail
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("recordfmt: write timing table: %w", err)
	}
	return nil
}

// summary is the line above the table.
func summary(rec *otelrecord.ExecutionRecord) string {
	calls := 0
	for _, cs := range rec.Boundaries {
		calls += len(cs)
	}
	typ := string(rec.Type)
	if typ == "" {
		typ = "unknown"
	}
	dur := "no timing"
	if rec.Timing != nil {
		dur = "no duration"
		if d, ok := rec.Timing.KnownDuration(); ok {
			dur = strconv.FormatFloat(d, 'f', 3, 64) + " ms"
		}
	}
	id := rec.UUID
	if id == "" {
		id = "(no uuid)"
	}
	noun := "calls"
	if calls == 1 {
		noun = "call"
	}
	return fmt.Sprintf("%s %s: %s, %s, %d boundary %s", oneLine(rec.TaskName), oneLine(id), typ, dur, calls, noun)
}

func tableRows(rec *otelrecord.ExecutionRecord) []row {
	var called, idle []row
	for name, calls := range rec.Boundaries {
		if len(calls) == 0 {
			idle = append(idle, row{boundary: name, outcome: "not called"})
			continue
		}
		for i, c := range calls {
			r := row{boundary: name, call: i + 1, outcome: outcome(c)}
			if c.Timing != nil {
				r.duration, r.hasTime = c.Timing.KnownDuration()
				if rec.Timing != nil {
					r.start, r.hasStart = c.Timing.StartTime-rec.Timing.StartTime, true
				}
			}
			called = append(called, r)
		}
	}
	slices.SortFunc(called, func(a, b row) int {
		// Timed calls first, by start; then by boundary and call number.
		if a.hasStart != b.hasStart {
			if a.hasStart {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.start, b.start), strings.Compare(a.boundary, b.boundary), cmp.Compare(a.call, b.call))
	})
	slices.SortFunc(idle, func(a, b row) int { return strings.Compare(a.boundary, b.boundary) })
	return append(called, idle...)
}

// outcome describes how a call ended.
func outcome(c otelrecord.BoundaryRecord) string {
	if c.Error == "" {
		return "ok"
	}
	msg := oneLine(c.Error)
	if r := []rune(msg); len(r) > maxOutcome {
		msg = string(r[:maxOutcome-1]) + "…"
	}
	return "error: " + msg
}

// oneLine keeps a value on one table line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', '\t':
			return ' '
		}
		return r
	}, s)
}
