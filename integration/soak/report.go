package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// verdict is a row's outcome.
type verdict int

const (
	info verdict = iota // reported, no target
	pass
	miss
)

func (v verdict) String() string {
	switch v {
	case pass:
		return "PASS"
	case miss:
		return "**MISS**"
	default:
		return "-"
	}
}

// row is one line of the report table.
type row struct {
	scenario string
	load     string
	figure   string
	measured string
	target   string
	result   verdict
}

// check returns pass when ok, else miss.
func check(ok bool) verdict {
	if ok {
		return pass
	}
	return miss
}

// report collects the rows and notes of the scenarios.
type report struct {
	rows  []row
	notes []string
}

func (r *report) add(rows ...row) { r.rows = append(r.rows, rows...) }

func (r *report) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// failed records that scenario could not be measured: a MISS row saying
// why.
func (r *report) failed(scenario, load string, err error) {
	r.add(row{scenario: scenario, load: load, figure: "scenario ran to the end", measured: "error: " + oneLine(err.Error()), target: "no error", result: miss})
}

// misses counts the rows that missed their target.
func (r *report) misses() int {
	n := 0
	for _, x := range r.rows {
		if x.result == miss {
			n++
		}
	}
	return n
}

// write prints the table, then the notes.
func (r *report) write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tLOAD\tFIGURE\tMEASURED\tTARGET\tRESULT")
	for _, x := range r.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", x.scenario, x.load, x.figure, x.measured, x.target, x.result)
	}
	_ = tw.Flush()
	if len(r.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range r.notes {
			for i, l := range strings.Split(n, "\n") {
				if i == 0 {
					fmt.Fprintf(w, "- %s\n", l)
				} else {
					fmt.Fprintf(w, "  %s\n", l)
				}
			}
		}
	}
	fmt.Fprintln(w)
	if m := r.misses(); m > 0 {
		fmt.Fprintf(w, "**MISS**: %d of %d figures missed their target.\n", m, r.checked())
	} else {
		fmt.Fprintf(w, "PASS: all %d figures reached their target.\n", r.checked())
	}
}

// checked counts the rows that have a target.
func (r *report) checked() int {
	n := 0
	for _, x := range r.rows {
		if x.result != info {
			n++
		}
	}
	return n
}

// count prints n with a space between thousands: 10 000.
func count[T ~int | ~int64](n T) string {
	s := fmt.Sprint(int64(n))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// secs prints d in seconds: 60s, 2.5s.
func secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}
