package server

import (
	"math"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLogFilters(t *testing.T) {
	q := url.Values{"type": {"error"}, "since": {"2026-03-14T15:09:26.5+01:00"}, "until": {"2026-03-14T16:00:00Z"}, "minQuality": {"-0.5"}}
	var query LogQuery
	require.NoError(t, parseLogFilters(q, &query))
	assert.Equal(t, TypeError, query.Type)
	assert.True(t, query.Since.Equal(time.Date(2026, 3, 14, 14, 9, 26, 5e8, time.UTC)), "offsets and fractions: %v", query.Since)
	assert.True(t, query.Until.Equal(time.Date(2026, 3, 14, 16, 0, 0, 0, time.UTC)))
	require.NotNil(t, query.MinQuality)
	assert.Equal(t, -0.5, *query.MinQuality)

	query = LogQuery{}
	require.NoError(t, parseLogFilters(url.Values{}, &query))
	assert.Equal(t, LogQuery{}, query, "no parameter: no filter")
}

// FuzzParseLogFilters checks that any query either is refused with a 400
// naming a parameter or gives filters the stores accept.
func FuzzParseLogFilters(f *testing.F) {
	f.Add("error", "2026-03-14T15:09:26Z", "2026-03-14T16:09:26.123456789+02:00", "0.5")
	f.Add("success", "", "", "1e308")
	f.Add("pending", "yesterday", "-1", "NaN")
	f.Fuzz(func(t *testing.T, typ, since, until, minQuality string) {
		q := url.Values{}
		for k, v := range map[string]string{"type": typ, "since": since, "until": until, "minQuality": minQuality} {
			if v != "" {
				q.Set(k, v)
			}
		}
		var query LogQuery
		err := parseLogFilters(q, &query)
		if err != nil {
			he, ok := err.(*httpError)
			if !ok || he.status != 400 || he.msg == "" {
				t.Fatalf("error %v is not a 400 with a message", err)
			}
			return
		}
		if query.Type != "" && query.Type != TypeSuccess && query.Type != TypeError {
			t.Fatalf("type %q accepted", query.Type)
		}
		if query.MinQuality != nil && (math.IsNaN(*query.MinQuality) || math.IsInf(*query.MinQuality, 0)) {
			t.Fatalf("minQuality %v accepted", *query.MinQuality)
		}
		if !query.Since.IsZero() && !query.Until.IsZero() && !query.Until.After(query.Since) {
			t.Fatalf("an empty range accepted: %v, %v", query.Since, query.Until)
		}
	})
}

func TestBoundNanos(t *testing.T) {
	assert.Equal(t, int64(math.MinInt64), BoundNanos(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, int64(math.MaxInt64), BoundNanos(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)))
	now := time.Now()
	assert.Equal(t, now.UnixNano(), BoundNanos(now))
}
