package run

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewUUID(t *testing.T) {
	a, b := NewUUID(), NewUUID()
	assert.NotEqual(t, a, b)
	id, err := uuid.Parse(a)
	require.NoError(t, err)
	assert.Equal(t, uuid.Version(7), id.Version())
	assert.Less(t, a, b, "v7 uuids sort by time")
}
