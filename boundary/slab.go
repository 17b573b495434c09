package boundary

import "sync/atomic"

// slab hands out small byte buffers carved from larger blocks, so that the
// JSON of the scalar inputs and outputs of a run's calls costs one
// allocation per block rather than one per call, and no more memory than
// its length. Blocks start small (a run
// of a few calls wastes little) and double up to slabMaxBlock. A buffer
// keeps its block alive: a run's record keeps the blocks of its payloads,
// and nothing else. It is safe for concurrent use without a lock.
type slab struct {
	block atomic.Pointer[slabBlock]
}

type slabBlock struct {
	buf  []byte
	next atomic.Int64 // offset of the next free byte
}

const (
	slabFirstBlock = 256
	slabMaxBlock   = 8 << 10
)

// copy returns a copy of b, carved from the slab when it fits in a block;
// its capacity is its length. A nil slab allocates the copy.
func (s *slab) copy(b []byte) []byte {
	if s == nil || len(b) > slabMaxBlock/4 {
		return append([]byte(nil), b...)
	}
	return append(s.get(len(b)), b...)
}

// get returns an empty buffer with capacity n (at most slabMaxBlock).
func (s *slab) get(n int) []byte {
	for {
		b := s.block.Load()
		if b != nil {
			end := b.next.Add(int64(n))
			if end <= int64(len(b.buf)) {
				start := end - int64(n)
				return b.buf[start:start:end]
			}
		}
		size := slabFirstBlock
		if b != nil {
			size = min(2*len(b.buf), slabMaxBlock)
		}
		// A goroutine that loses the race leaves its block to the
		// collector and carves from the winner's.
		s.block.CompareAndSwap(b, &slabBlock{buf: make([]byte, size)})
	}
}
