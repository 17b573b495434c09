package run

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseInt(t *testing.T) {
	for _, tc := range []struct {
		v    string
		set  bool
		want int
	}{
		{"", false, 7},
		{"", true, 7},
		{"40", true, 40},
		{"0", true, 0},   // no bound
		{"-1", true, -1}, // no bound too
	} {
		got, err := parseInt(EnvMaxRunCalls, tc.v, tc.set, 7)
		require.NoError(t, err, "%q", tc.v)
		assert.Equal(t, tc.want, got, "%q", tc.v)
	}
	got, err := parseInt(EnvMaxRunCalls, "1e5", true, 7)
	require.Error(t, err)
	assert.Contains(t, err.Error(), EnvMaxRunCalls)
	assert.Equal(t, 7, got, "an invalid value leaves the default")
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		v    string
		set  bool
		want int64
	}{
		{"", false, 7},
		{"", true, 7},
		{"67108864", true, 64 << 20},
		{"64MiB", true, 64 << 20},
		{"500KB", true, 500_000},
		{"2 GiB", true, 2 << 30},
		{"10B", true, 10},
		{"0", true, 0},   // no bound
		{"-1", true, -1}, // no bound too
	} {
		got, err := parseSize(EnvMaxRunBytes, tc.v, tc.set, 7)
		require.NoError(t, err, "%q", tc.v)
		assert.Equal(t, tc.want, got, "%q", tc.v)
	}
	for _, v := range []string{"64M", "MiB", "-1MiB", "0KB", "1.5GiB", "99999999999GiB"} {
		got, err := parseSize(EnvMaxRunBytes, v, true, 7)
		require.Error(t, err, v)
		assert.Contains(t, err.Error(), EnvMaxRunBytes)
		assert.Equal(t, int64(7), got, "an invalid value leaves the default")
	}
}

func TestRunLimitsReadOnce(t *testing.T) {
	first := RunLimits()
	t.Setenv(EnvMaxRunCalls, "12345")
	assert.Equal(t, first, RunLimits(), "the environment is read once")
}
