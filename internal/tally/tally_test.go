package tally

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTallyCountsInFirstSeenOrder(t *testing.T) {
	var tl Tally[string]
	var idx []int
	for _, k := range []string{"a", "a", "b", "a", "c", "c", "b"} {
		idx = append(idx, tl.Add(k))
	}
	assert.Equal(t, []int{0, 0, 1, 0, 2, 2, 1}, idx)
	assert.Equal(t, []string{"a", "b", "c"}, tl.Keys())
	assert.Equal(t, []int{3, 2, 2}, tl.Counts())
	assert.Equal(t, 3, tl.Len())
	assert.Equal(t, 1, tl.Index("b"))
	assert.Equal(t, -1, tl.Index("d"))
}

func TestTallyZeroValue(t *testing.T) {
	var tl Tally[int]
	assert.Zero(t, tl.Len())
	assert.Empty(t, tl.Keys())
	assert.Equal(t, -1, tl.Index(0), "the zero key was never added")
	assert.Equal(t, 0, tl.Add(0))
	assert.Equal(t, []int{1}, tl.Counts())
}

// TestTallyPastListMax crosses the switch from the list to the map, at every
// size around it, and checks the two agree.
func TestTallyPastListMax(t *testing.T) {
	for n := ListMax - 1; n <= ListMax+2; n++ {
		var tl Tally[string]
		for round := range 3 {
			for i := range n {
				require.Equal(t, i, tl.Add(strconv.Itoa(i)), "n %d round %d", n, round)
			}
		}
		require.Equal(t, n, tl.Len())
		for i := range n {
			assert.Equal(t, i, tl.Index(strconv.Itoa(i)), "n %d", n)
			assert.Equal(t, 3, tl.Counts()[i], "n %d key %d", n, i)
		}
		assert.Equal(t, -1, tl.Index("nope"), "n %d", n)
		assert.Equal(t, n > ListMax, tl.index != nil, "n %d: map only past ListMax", n)
	}
}

func TestTallyInterleaved(t *testing.T) {
	var tl Tally[string]
	keys := make([]string, 40)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	// The last-key shortcut must not miscount when keys alternate.
	for range 5 {
		for i := range keys {
			tl.Add(keys[i])
			tl.Add(keys[len(keys)-1-i])
		}
	}
	for i := range keys {
		assert.Equal(t, 10, tl.Counts()[tl.Index(keys[i])], "key %s", keys[i])
	}
}

func TestTallyReset(t *testing.T) {
	var tl Tally[string]
	for i := range ListMax + 5 {
		tl.Add(strconv.Itoa(i))
	}
	keys := tl.Keys()[:1]
	tl.Reset()
	assert.Zero(t, tl.Len())
	assert.Equal(t, -1, tl.Index("0"))
	assert.Empty(t, keys[0], "no reference to the old keys is kept")
	assert.Equal(t, 0, tl.Add("b"))
	assert.Equal(t, 0, tl.Add("b"))
	assert.Equal(t, 1, tl.Add("a"))
	assert.Equal(t, []string{"b", "a"}, tl.Keys())
	assert.Equal(t, []int{2, 1}, tl.Counts())
	allocs := testing.AllocsPerRun(10, func() {
		tl.Reset()
		tl.Add("b")
		tl.Add("a")
	})
	assert.Zero(t, allocs, "a reused tally allocates nothing")
}
