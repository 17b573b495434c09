package hive

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// logLimiter writes at most one log line per key and interval; the lines in
// between are counted and reported as "suppressed" with the next one. It is
// safe for concurrent use.
type logLimiter struct {
	logger   *slog.Logger
	interval time.Duration
	now      func() time.Time

	mu   sync.Mutex
	last map[string]time.Time
	supp map[string]int
}

func newLogLimiter(l *slog.Logger, interval time.Duration, now func() time.Time) *logLimiter {
	return &logLimiter{logger: l, interval: interval, now: now, last: map[string]time.Time{}, supp: map[string]int{}}
}

// log writes msg at level unless a line with the same key was written less
// than the interval ago.
func (l *logLimiter) log(level slog.Level, key, msg string, attrs ...slog.Attr) {
	now := l.now()
	l.mu.Lock()
	if last, ok := l.last[key]; ok && now.Sub(last) < l.interval {
		l.supp[key]++
		l.mu.Unlock()
		return
	}
	suppressed := l.supp[key]
	l.last[key] = now
	l.supp[key] = 0
	l.mu.Unlock()
	if suppressed > 0 {
		attrs = append(attrs, slog.Int("suppressed", suppressed))
	}
	l.logger.LogAttrs(context.Background(), level, msg, attrs...)
}
