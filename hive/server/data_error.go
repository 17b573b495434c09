package server

import "errors"

// IsDataError reports whether err is about the data rather than the storage:
// it wraps ErrNotStored, ErrConflict, ErrAmbiguous or ErrInvalid. The server
// answers such errors to clients with their message (404, 409, 400), so a
// Store wraps them with nothing clients cannot use, such as its package or
// operation names.
func IsDataError(err error) bool {
	return errors.Is(err, ErrNotStored) || errors.Is(err, ErrConflict) ||
		errors.Is(err, ErrAmbiguous) || errors.Is(err, ErrInvalid)
}
