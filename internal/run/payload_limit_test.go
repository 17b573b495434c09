package run

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestParsePayloadLimit(t *testing.T) {
	for _, tc := range []struct {
		v    string
		set  bool
		want int
	}{
		{"", false, otelrecord.DefaultMaxPayloadBytes},
		{"", true, otelrecord.DefaultMaxPayloadBytes},
		{"40", true, 40},
		{"0", true, 0},   // no limit, by the rule of otelrecord.Truncate
		{"-1", true, -1}, // no limit too
	} {
		got, err := parsePayloadLimit(tc.v, tc.set)
		require.NoError(t, err, "%q", tc.v)
		assert.Equal(t, tc.want, got, "%q", tc.v)
	}
	got, err := parsePayloadLimit("64k", true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), EnvMaxPayloadBytes)
	assert.Equal(t, otelrecord.DefaultMaxPayloadBytes, got, "an invalid value leaves the default")
}

func TestPayloadLimitReadOnce(t *testing.T) {
	first := PayloadLimit()
	t.Setenv(EnvMaxPayloadBytes, "12345")
	assert.Equal(t, first, PayloadLimit(), "the environment is read once")
}
