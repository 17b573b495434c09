package run

import "github.com/google/uuid"

// NewUUID returns a new record uuid: a UUID v7 (time-ordered), or a random
// UUID v4 in the unlikely case the random source fails while making a v7.
func NewUUID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}
