package boundary

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
