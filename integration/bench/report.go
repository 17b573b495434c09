package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// direction says which side of the target passes.
type direction int

const (
	atMost  direction = iota // measured ≤ target passes
	atLeast                  // measured ≥ target passes
	below                    // measured < target passes
	info                     // no target: reported for information
)

// row is one line of the table.
type row struct {
	figure   string
	measured float64
	unit     string
	target   float64
	dir      direction
	note     string // printed under the row
	skipped  string // why the figure was not measured
}

func (r row) pass() bool {
	switch r.dir {
	case atLeast:
		return r.measured >= r.target
	case below:
		return r.measured < r.target
	default:
		return r.measured <= r.target
	}
}

func (r row) targetText() string {
	if r.dir == info {
		return "-"
	}
	op := map[direction]string{atMost: "≤", atLeast: "≥", below: "<"}[r.dir]
	return fmt.Sprintf("%s %s %s", op, number(r.target), r.unit)
}

// number prints v with thousands separators when it is large, and with
// three significant digits otherwise.
func number(v float64) string {
	switch {
	case v >= 10_000:
		s := fmt.Sprintf("%.0f", v)
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(c)
		}
		return b.String()
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

// writeTable prints the rows, then their notes, then one line counting the
// figures that met their target, and returns how many rows missed it. Rows
// for information and skipped rows are not figures of the count.
func writeTable(w io.Writer, rows []row) (missed int) {
	figures := 0
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tMEASURED\tTARGET\tRATIO\tRESULT")
	for _, r := range rows {
		if r.skipped != "" {
			fmt.Fprintf(tw, "%s\t-\t%s\t-\tSKIPPED (%s)\n", r.figure, r.targetText(), r.skipped)
			continue
		}
		if r.dir == info {
			fmt.Fprintf(tw, "%s\t%s %s\t-\t-\tINFO\n", r.figure, number(r.measured), r.unit)
			continue
		}
		figures++
		result := "PASS"
		if !r.pass() {
			result = "MISS"
			missed++
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%.2f\t%s\n", r.figure, number(r.measured), r.unit, r.targetText(), r.measured/r.target, result)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "RATIO is measured/target.")
	fmt.Fprintln(w)
	for _, r := range rows {
		if r.note == "" || r.skipped != "" {
			continue
		}
		fig, _, _ := strings.Cut(r.figure, " ")
		for i, l := range strings.Split(r.note, "\n") {
			if i == 0 {
				fmt.Fprintf(w, "(%s) %s\n", fig, l)
			} else {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
	fmt.Fprintln(w)
	if missed > 0 {
		fmt.Fprintf(w, "%d of %d figures met: MISS on %d\n", figures-missed, figures, missed)
	} else {
		fmt.Fprintf(w, "%d of %d figures met\n", figures, figures)
	}
	return missed
}
