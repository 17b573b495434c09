package run

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestParseCapturePolicy(t *testing.T) {
	p, err := parseCapturePolicy("", "", false)
	require.NoError(t, err)
	assert.Equal(t, otelrecord.RedactPolicy{}, p, "unset: the defaults")

	p, err = parseCapturePolicy(" ssn, card-number ,,", "false", true)
	require.NoError(t, err)
	assert.Equal(t, []string{"ssn", "card-number"}, p.Keys)
	assert.True(t, p.OmitPayloads)

	for _, v := range []string{"true", "1", "TRUE", ""} {
		p, err = parseCapturePolicy("", v, true)
		require.NoError(t, err)
		assert.False(t, p.OmitPayloads, v)
	}

	p, err = parseCapturePolicy("ssn", "nope", true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), EnvCapturePayloads)
	assert.False(t, p.OmitPayloads, "an invalid value captures payloads")
	assert.Equal(t, []string{"ssn"}, p.Keys)
}

func TestCapturePolicyReadOnce(t *testing.T) {
	first := DefaultRedactor()
	t.Setenv(EnvCapturePayloads, "false")
	t.Setenv(EnvRedactKeys, "x")
	assert.Same(t, first, DefaultRedactor(), "the environment is read once")
	assert.Equal(t, `{"a":1}`, string(DefaultRedactor().Redact([]byte(`{"a":1}`))))
}
