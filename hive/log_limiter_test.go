package hive

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogLimiter(t *testing.T) {
	h := &captureHandler{}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLogLimiter(slog.New(h), 10*time.Second, func() time.Time { return now })

	l.log(slog.LevelWarn, "retry", "retrying", slog.Int("n", 1))
	l.log(slog.LevelWarn, "retry", "retrying", slog.Int("n", 2))
	l.log(slog.LevelWarn, "retry", "retrying", slog.Int("n", 3))
	l.log(slog.LevelWarn, "full", "queue full") // another kind is not held back
	now = now.Add(10 * time.Second)
	l.log(slog.LevelWarn, "retry", "retrying", slog.Int("n", 4))

	msgs := h.messages()
	require.Len(t, msgs, 3)
	assert.Equal(t, "retrying n=1", msgs[0])
	assert.Equal(t, "queue full", msgs[1])
	assert.Equal(t, "retrying n=4 suppressed=2", msgs[2])
}
