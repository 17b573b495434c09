package run

import (
	"math/bits"
	"sync"
)

// callLog holds a run's entries by position without ever copying them: it
// is a list of chunks of 8, 16, 32, … entries, so appending costs one
// allocation per doubling and no entry moves once written. A run of a few
// calls holds one small chunk; a run of 100 000 calls, 14 chunks.
//
// Chunks are reused: recycle clears them and hands them to the next runs, so
// a process making many runs allocates its logs once.
type callLog struct {
	chunks []*[]Entry
	n      int
}

const (
	firstChunkBits = 3 // the first chunk holds 1<<firstChunkBits entries
	// pooledChunks is how many chunk sizes are reused: up to 8<<10 entries
	// (about 1 MB); the rare larger chunks are left to the collector.
	pooledChunks = 11
)

// chunkPools holds cleared chunks by size (index in callLog.chunks).
var chunkPools [pooledChunks]sync.Pool

// locate returns the chunk and offset of position i.
func locate(i int) (chunk, offset int) {
	p := uint(i) + 1<<firstChunkBits
	chunk = bits.Len(p) - firstChunkBits - 1
	return chunk, int(p - 1<<(chunk+firstChunkBits))
}

// add appends an empty entry and returns its position and the entry.
func (l *callLog) add() (int, *Entry) {
	i := l.n
	c, o := locate(i)
	if c == len(l.chunks) {
		l.chunks = append(l.chunks, newChunk(c))
	}
	l.n++
	return i, &(*l.chunks[c])[o]
}

// at returns the entry at position i < l.n.
func (l *callLog) at(i int) *Entry {
	c, o := locate(i)
	return &(*l.chunks[c])[o]
}

// each calls f with every entry, in position order.
func (l *callLog) each(f func(*Entry)) {
	left := l.n
	for _, ch := range l.chunks {
		for i := range (*ch)[:min(left, len(*ch))] {
			f(&(*ch)[i])
		}
		left -= len(*ch)
	}
}

// recycle clears the entries and hands the chunks over for reuse, leaving
// the log empty. No entry may be in use, or used later, by anyone.
func (l *callLog) recycle() {
	for c, ch := range l.chunks {
		used := min(len(*ch), l.n-(1<<(c+firstChunkBits)-1<<firstChunkBits))
		clear((*ch)[:used])
		if c < pooledChunks {
			chunkPools[c].Put(ch)
		}
	}
	clear(l.chunks)
	*l = callLog{chunks: l.chunks[:0]}
}

// newChunk returns an empty chunk of index c, reused when one is pooled.
func newChunk(c int) *[]Entry {
	if c < pooledChunks {
		if ch, ok := chunkPools[c].Get().(*[]Entry); ok {
			return ch
		}
	}
	ch := make([]Entry, 1<<(c+firstChunkBits))
	return &ch
}
