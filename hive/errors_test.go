package hive

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAPIErrorUnwrap(t *testing.T) {
	cases := map[int]error{
		400: ErrBadRequest, 401: ErrUnauthorized, 403: ErrUnauthorized, 404: ErrNotFound,
		409: ErrBadRequest, 413: ErrBadRequest, 429: ErrRateLimited,
		500: ErrServer, 502: ErrServer, 503: ErrServer, 302: ErrInvalidResponse,
	}
	for status, want := range cases {
		err := fmt.Errorf("wrapped: %w", &APIError{Method: "GET", Path: "/x", StatusCode: status, Message: "m"})
		assert.ErrorIs(t, err, want, status)
	}
	e := &APIError{Method: "POST", Path: "/api/log-ingest", StatusCode: 401, Message: "invalid credentials"}
	assert.Equal(t, "hive: POST /api/log-ingest: 401 Unauthorized: invalid credentials", e.Error())
	e.Message = ""
	assert.Equal(t, "hive: POST /api/log-ingest: 401 Unauthorized", e.Error())
}

func TestRetryable(t *testing.T) {
	yes := []error{
		fmt.Errorf("x: %w: dial", ErrNetwork),
		&APIError{StatusCode: 500}, &APIError{StatusCode: 503}, &APIError{StatusCode: 429}, &APIError{StatusCode: 408},
	}
	no := []error{
		nil, errors.New("other"), ErrSilent, ErrInvalidArgument,
		&APIError{StatusCode: 400}, &APIError{StatusCode: 401}, &APIError{StatusCode: 404}, &APIError{StatusCode: 413},
		fmt.Errorf("x: %w: %w", ErrNetwork, context.Canceled),
		fmt.Errorf("x: %w: %w", ErrNetwork, context.DeadlineExceeded),
	}
	for _, err := range yes {
		assert.True(t, Retryable(err), "%v", err)
	}
	for _, err := range no {
		assert.False(t, Retryable(err), "%v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"":            0,
		"3":           3 * time.Second,
		" 120 ":       2 * time.Minute,
		"0":           0,
		"-5":          0,
		"soon":        0,
		"99999999999": 24 * time.Hour,
		now.Add(7 * time.Second).Format(http.TimeFormat):  7 * time.Second,
		now.Add(-7 * time.Second).Format(http.TimeFormat): 0,
	}
	for in, want := range cases {
		assert.Equal(t, want, parseRetryAfter(in, now), in)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "1", "-1", "Fri, 02 Jan 2026 03:04:05 GMT", "9999999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d := parseRetryAfter(s, now)
		if d < 0 {
			t.Fatalf("negative delay %v for %q", d, s)
		}
	})
}

func TestAPIErrorSizeLimit(t *testing.T) {
	assert.Zero(t, (&APIError{}).SizeLimit())
	assert.Equal(t, int64(10), (&APIError{MaxBodyBytes: 10}).SizeLimit())
	assert.Equal(t, int64(7), (&APIError{MaxRecordBytes: 7}).SizeLimit())
	assert.Equal(t, int64(7), (&APIError{MaxBodyBytes: 10, MaxRecordBytes: 7}).SizeLimit())
	assert.Equal(t, int64(10), (&APIError{MaxBodyBytes: 10, MaxRecordBytes: 70}).SizeLimit())
	assert.Equal(t, int64(0), parseLimit("-3"))
	assert.Equal(t, int64(0), parseLimit("x"))
	assert.Equal(t, int64(12), parseLimit(" 12 "))
}
