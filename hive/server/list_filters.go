package server

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// parseTimeRange reads the query parameters since and until: RFC 3339 times
// (a fraction of a second is allowed), either absent. Errors are 400s naming
// the parameter.
func parseTimeRange(q url.Values) (since, until time.Time, err error) {
	if since, err = parseTimeParam(q, "since"); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if until, err = parseTimeParam(q, "until"); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		return time.Time{}, time.Time{}, errorf(http.StatusBadRequest, "until (%s) must be after since (%s)", q.Get("until"), q.Get("since"))
	}
	return since, until, nil
}

func parseTimeParam(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, errorf(http.StatusBadRequest, "%s must be an RFC 3339 time such as 2026-03-14T15:09:26Z, got %q", name, v)
	}
	return t, nil
}

// parseLogFilters reads the listing filters of GET /api/tasks/{taskName}/logs
// into query: type ("success" or "error"), since and until (RFC 3339), and
// minQuality (a number). Errors are 400s naming the parameter.
func parseLogFilters(q url.Values, query *LogQuery) error {
	switch v := q.Get("type"); v {
	case "", TypeSuccess, TypeError:
		query.Type = v
	default:
		return errorf(http.StatusBadRequest, "type must be %q or %q, got %q", TypeSuccess, TypeError, v)
	}
	var err error
	if query.Since, query.Until, err = parseTimeRange(q); err != nil {
		return err
	}
	if v := q.Get("minQuality"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return errorf(http.StatusBadRequest, "minQuality must be a number, got %q", v)
		}
		query.MinQuality = &f
	}
	return nil
}

// Bounds of the times whose Unix nanoseconds fit an int64.
var (
	minNanosTime = time.Unix(0, math.MinInt64)
	maxNanosTime = time.Unix(0, math.MaxInt64)
)

// BoundNanos returns t in Unix nanoseconds for comparing with stored times,
// clamped to int64's range: a time before 1678 is the smallest value and one
// after 2262 the largest, where t.UnixNano would be undefined. Stores
// convert LogQuery's and TaskStatsQuery's Since and Until with it.
func BoundNanos(t time.Time) int64 {
	switch {
	case t.Before(minNanosTime):
		return math.MinInt64
	case t.After(maxNanosTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}
