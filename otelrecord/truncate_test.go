package otelrecord

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTruncateLimitRule checks the one rule of payload limits at its edge
// values: n <= 0 is no limit, n > 0 keeps payloads of up to n bytes whole.
func TestTruncateLimitRule(t *testing.T) {
	payload := []byte(`{"items":"` + strings.Repeat("x", 90) + `"}`) // 102 bytes
	n := len(payload)
	for _, tc := range []struct {
		max     int
		wantCut bool
	}{
		{-1 << 31, false}, {-1, false}, {0, false}, // no limit
		{1, true}, {n - 1, true}, // too small
		{n, false}, {n + 1, false}, // fits
	} {
		out, cut := Truncate(payload, tc.max)
		assert.Equal(t, tc.wantCut, cut, "max %d", tc.max)
		assert.Equal(t, string(out), TruncateString(payload, tc.max), "max %d", tc.max)
		if !tc.wantCut {
			assert.Equal(t, payload, out, "max %d: unchanged", tc.max)
			continue
		}
		require.True(t, json.Valid(out), "max %d: the marker is JSON", tc.max)
		tr, ok := IsTruncated(out)
		require.True(t, ok, "max %d", tc.max)
		assert.Equal(t, n, tr.OriginalSize, "max %d", tc.max)
		assert.Equal(t, string(payload[:tc.max/2]), tr.Preview, "max %d: the first max/2 bytes", tc.max)
	}
}

func TestTruncateEmptyAndNil(t *testing.T) {
	for _, max := range []int{-1, 0, 1} {
		out, cut := Truncate(nil, max)
		assert.False(t, cut)
		assert.Empty(t, out)
		assert.Empty(t, TruncateString([]byte{}, max))
	}
}

// TestTruncatePreviewOnRuneBoundary cuts a payload of 3-byte runes at every
// small limit: the preview is always whole runes, never more than max/2 bytes.
func TestTruncatePreviewOnRuneBoundary(t *testing.T) {
	payload := []byte(`"` + strings.Repeat("日", 20) + `"`)
	for max := 1; max < len(payload); max++ {
		out, cut := Truncate(payload, max)
		require.True(t, cut, "max %d", max)
		tr, ok := IsTruncated(out)
		require.True(t, ok, "max %d", max)
		assert.LessOrEqual(t, len(tr.Preview), max/2, "max %d", max)
		assert.True(t, strings.HasPrefix(string(payload), tr.Preview), "max %d", max)
		assert.True(t, utf8.ValidString(tr.Preview), "max %d: whole runes (%q)", max, tr.Preview)
	}
}
