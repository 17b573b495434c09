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
	got, err := parseInt(EnvMaxRunBytes, "64MiB", true, 7)
	require.Error(t, err)
	assert.Contains(t, err.Error(), EnvMaxRunBytes)
	assert.Equal(t, 7, got, "an invalid value leaves the default")
}

func TestRunLimitsReadOnce(t *testing.T) {
	first := RunLimits()
	t.Setenv(EnvMaxRunCalls, "12345")
	assert.Equal(t, first, RunLimits(), "the environment is read once")
}
