package run

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCallLogKeepsPositions(t *testing.T) {
	var l callLog
	for i := range 1000 {
		pos, e := l.add()
		require.Equal(t, i, pos)
		require.Same(t, e, l.at(i))
		e.rec.Error = string(rune('a' + i%26))
	}
	for i := range 1000 {
		assert.Equal(t, string(rune('a'+i%26)), l.at(i).rec.Error, "position %d", i)
	}
	// Chunks double: 8+16+32+64+128+256+512 = 1016 ≥ 1000.
	assert.Len(t, l.chunks, 7)
	first := l.at(0)
	l.add()
	assert.Same(t, first, l.at(0), "entries never move")
}

func TestCallLogRecycleClears(t *testing.T) {
	var l callLog
	for i := range 100 {
		_, e := l.add()
		e.rec.Error = "used"
		l.at(i).done.Store(true)
	}
	l.recycle()
	assert.Zero(t, l.n)
	assert.Empty(t, l.chunks)
	// Whatever chunks the next log gets, reused or new, start empty.
	var next callLog
	for i := range 100 {
		_, e := next.add()
		assert.Empty(t, e.rec.Error, "position %d", i)
		assert.False(t, e.done.Load(), "position %d", i)
	}
}

func TestLocate(t *testing.T) {
	for _, tc := range []struct{ i, chunk, offset int }{
		{0, 0, 0}, {7, 0, 7}, {8, 1, 0}, {23, 1, 15}, {24, 2, 0}, {55, 2, 31}, {56, 3, 0},
	} {
		c, o := locate(tc.i)
		assert.Equal(t, [2]int{tc.chunk, tc.offset}, [2]int{c, o}, "locate(%d)", tc.i)
	}
}
