package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSettings(t *testing.T) {
	s, err := parseSettings(nil)
	require.NoError(t, err)
	assert.Equal(t, fullSettings(), s)
	assert.True(t, s.runs("outage") && s.runs("latency"))

	s, err = parseSettings([]string{"-outage", "30s", "-quick", "-only", "spool, latency"})
	require.NoError(t, err)
	q := quickSettings()
	assert.Equal(t, 30*time.Second, s.outage, "an explicit flag wins over -quick")
	assert.Equal(t, q.outageRate, s.outageRate)
	assert.Equal(t, q.throughputRate, s.throughputRate)
	assert.Equal(t, []string{"spool", "latency"}, s.only)
	assert.False(t, s.runs("outage"))

	_, err = parseSettings([]string{"-only", "nope"})
	assert.ErrorContains(t, err, `unknown scenario "nope"`)
	_, err = parseSettings([]string{"-outage-rate", "0"})
	assert.Error(t, err)
}
