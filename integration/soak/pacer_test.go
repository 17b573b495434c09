package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPacerIssuesOnSchedule(t *testing.T) {
	start := time.Unix(1000, 0)
	p := newPacer(start, 500, 2*time.Second) // one run every 2 ms
	assert.Equal(t, int64(1000), p.runs())
	assert.Equal(t, int64(0), p.due(start.Add(-time.Millisecond)), "nothing before the start")
	assert.Equal(t, int64(1), p.due(start), "run 0 is due at the start")
	assert.Equal(t, int64(0), p.due(start.Add(time.Millisecond)))
	assert.Equal(t, int64(1), p.due(start.Add(2*time.Millisecond)))
	// A tick 100 ms late makes up every run it missed, no more.
	assert.Equal(t, int64(50), p.due(start.Add(102*time.Millisecond)))
	assert.Equal(t, int64(0), p.due(start.Add(103*time.Millisecond)))
	assert.False(t, p.done())
	// Past the window: exactly the window's runs in all.
	assert.Equal(t, int64(1000-52), p.due(start.Add(time.Hour)))
	assert.True(t, p.done())
	assert.Equal(t, int64(0), p.due(start.Add(2*time.Hour)))
}

func TestPacerDoesNotDrift(t *testing.T) {
	// Ticks that always come late by a varying amount still issue rate×t
	// runs by time t.
	start := time.Unix(0, 0)
	p := newPacer(start, 10_000, time.Minute)
	var issued int64
	now := start
	for i := range 20_000 {
		now = now.Add(time.Millisecond + time.Duration(i%7)*time.Microsecond)
		issued += p.due(now)
	}
	elapsed := now.Sub(start)
	want := elapsed.Nanoseconds()*10_000/int64(time.Second) + 1
	assert.Equal(t, want, issued)
}

func TestPacerTick(t *testing.T) {
	assert.Equal(t, 2*time.Millisecond, newPacer(time.Now(), 500, time.Second).tick())
	assert.Equal(t, time.Millisecond, newPacer(time.Now(), 10_000, time.Second).tick(), "never under a millisecond")
	assert.Equal(t, time.Second, newPacer(time.Now(), 0, time.Second).tick())
	assert.True(t, newPacer(time.Now(), 0, time.Second).done(), "a zero rate issues nothing")
}
