package boundary

import "math/bits"

// callLog holds a run's entries by position without ever copying them: it
// is a list of chunks of 8, 16, 32, … entries, so appending costs one
// allocation per doubling and no entry moves once written. A run of a few
// calls holds one small chunk; a run of 100 000 calls, 14 chunks.
type callLog struct {
	chunks [][]entry
	n      int
}

const firstChunkBits = 3 // the first chunk holds 1<<firstChunkBits entries

// locate returns the chunk and offset of position i.
func locate(i int) (chunk, offset int) {
	p := uint(i) + 1<<firstChunkBits
	chunk = bits.Len(p) - firstChunkBits - 1
	return chunk, int(p - 1<<(chunk+firstChunkBits))
}

// add appends an empty entry and returns its position.
func (l *callLog) add() int {
	i := l.n
	c, _ := locate(i)
	if c == len(l.chunks) {
		l.chunks = append(l.chunks, make([]entry, 1<<(c+firstChunkBits)))
	}
	l.n++
	return i
}

// at returns the entry at position i (< the number added).
func (l *callLog) at(i int) *entry {
	c, o := locate(i)
	return &l.chunks[c][o]
}
