package boundary

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSlabBuffersDoNotOverlap(t *testing.T) {
	var s slab
	const goroutines, each = 8, 500
	bufs := make([][][]byte, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				b := s.get(scalarBufSize)
				require.Empty(t, b)
				require.Equal(t, scalarBufSize, cap(b))
				b = b[:scalarBufSize]
				for j := range b {
					b[j] = byte(g*each + i)
				}
				bufs[g] = append(bufs[g], b)
			}
		})
	}
	wg.Wait()
	for g := range goroutines {
		for i, b := range bufs[g] {
			for _, c := range b {
				if c != byte(g*each+i) {
					assert.Failf(t, "overwritten", "buffer %d of goroutine %d", i, g)
					return
				}
			}
		}
	}
}

func TestSlabAppendBeyondCapacityLeavesNeighbourAlone(t *testing.T) {
	var s slab
	a := s.get(4)
	b := s.get(4)
	b = append(b, "next"...)
	a = append(a, "overflowing"...) // beyond its 4 bytes: append reallocates
	assert.Equal(t, "next", string(b))
	assert.Equal(t, "overflowing", string(a))
}
