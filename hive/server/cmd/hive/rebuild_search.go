package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/internal/jaegerquery"
)

// timeFlag is a --since or --until value: an RFC 3339 time, or a duration
// before now (a Go duration such as 90m or 2h, or a whole number of days
// such as 7d), or "now".
type timeFlag struct {
	raw string
	at  time.Time     // the time given, if it was one
	ago time.Duration // else how long before now
	set bool
}

func (f *timeFlag) String() string { return f.raw }

func (f *timeFlag) Set(v string) error {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		*f = timeFlag{raw: v, at: t, set: true}
		return nil
	}
	ago, err := parseAgo(v)
	if err != nil {
		return err
	}
	*f = timeFlag{raw: v, ago: ago, set: true}
	return nil
}

// parseAgo reads a duration before now: "now", a Go duration or a whole
// number of days ("7d"), never negative.
func parseAgo(v string) (time.Duration, error) {
	const want = "want an RFC 3339 time (2026-01-02T15:04:05Z) or a duration before now (90m, 2h, 7d)"
	if v == "now" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if days, ok := strings.CutSuffix(v, "d"); err != nil && ok {
		n, aerr := strconv.Atoi(days)
		if aerr != nil || n > int(time.Duration(1<<63-1)/(24*time.Hour)) {
			return 0, errors.New(want)
		}
		d, err = time.Duration(n)*24*time.Hour, nil
	}
	switch {
	case err != nil:
		return 0, errors.New(want)
	case d < 0:
		return 0, errors.New("a duration before now cannot be negative")
	}
	return d, nil
}

// time returns the time f names, durations counted back from now; now when
// f was not given.
func (f *timeFlag) time(now time.Time) time.Time {
	switch {
	case !f.set:
		return now
	case !f.at.IsZero():
		return f.at
	default:
		return now.Add(-f.ago)
	}
}

// query returns the search of the --service, --since, --until and --limit
// flags, durations counted back from now, or a usage problem.
func (o *rebuildOptions) query(now time.Time) (jaegerquery.Query, error) {
	if !o.since.set {
		return jaegerquery.Query{}, errors.New("--service needs --since")
	}
	if o.limit < 1 {
		return jaegerquery.Query{}, errors.New("--limit must be at least 1")
	}
	q := jaegerquery.Query{Service: o.service, Start: o.since.time(now), End: o.until.time(now), Limit: o.limit}
	if q.Start.After(q.End) {
		return jaegerquery.Query{}, fmt.Errorf("--since (%s) is after --until (%s)", formatRangeTime(q.Start), formatRangeTime(q.End))
	}
	return q, nil
}

// formatRangeTime writes a bound of a range for people: RFC 3339 in UTC,
// with the fraction of a second when there is one.
func formatRangeTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// search rebuilds every trace of the service in the range of q, read from
// Jaeger in windows (jaegerquery.Search). A trace without a task run is
// counted and passed over; a window or trace that cannot be read is an
// error, and a window that may miss traces a warning.
func (r *rebuilder) search(ctx context.Context, hc *http.Client, base string, q jaegerquery.Query) {
	r.stats.span = q.End.Sub(q.Start)
	onWindow := func(w jaegerquery.Window) {
		r.stats.windows++
		r.stats.covered += w.End.Sub(w.Start)
		r.msgs.update()
	}
	for tr, err := range jaegerquery.Search(ctx, hc, base, q, jaegerquery.OnWindow(onWindow)) {
		var werr *jaegerquery.WindowError
		switch {
		case errors.Is(err, jaegerquery.ErrWindowFull) && errors.As(err, &werr):
			r.msgs.printf("%s: warning: %d traces or more start between %s and %s, the narrowest window read; some may be missed (a larger --limit reads more per query)\n",
				rebuildName, q.Limit, formatRangeTime(werr.Start), formatRangeTime(werr.End))
		case err != nil:
			r.msgs.printf("%s: %s\n", rebuildName, errorLine(err))
			r.ok = false
		default:
			r.stats.traces++
			r.trace(ctx, tr.ID, tr.Spans)
			r.msgs.update()
		}
	}
}
