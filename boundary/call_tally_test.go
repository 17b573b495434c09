package boundary

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCallTally(t *testing.T) {
	var tally callTally
	for _, name := range []string{"a", "a", "b", "a", "c", "c", "b"} {
		tally.add(name)
	}
	assert.Equal(t, []string{"a", "b", "c"}, tally.names)
	assert.Equal(t, []int{3, 2, 2}, tally.counts)
	assert.Equal(t, 1, tally.index("b"))
	assert.Equal(t, -1, tally.index("d"))
}

func TestCallTallyManyNames(t *testing.T) {
	var tally callTally
	for round := range 3 {
		for i := range 40 {
			tally.add(strconv.Itoa(i))
			assert.Equal(t, i, tally.index(strconv.Itoa(i)), "round %d", round)
		}
	}
	require.Len(t, tally.names, 40)
	for i := range 40 {
		assert.Equal(t, 3, tally.counts[i], "name %d", i)
	}
	assert.Equal(t, -1, tally.index("nope"))
}
