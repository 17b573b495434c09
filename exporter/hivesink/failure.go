package hivesink

import (
	"context"
	"errors"
	"net/http"

	"github.com/hivetrace/hivetrace/hive"
)

// tooLarge returns the *hive.APIError of a 413 answer in err, or nil.
func tooLarge(err error) *hive.APIError {
	var apiErr *hive.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusRequestEntityTooLarge {
		return apiErr
	}
	return nil
}

// refused reports whether err means that sending the same records again
// will not help: a failure that is not retryable (hive.Retryable) and not
// caused by the context being done, unless the server answered it.
func refused(err error) bool {
	if hive.Retryable(err) {
		return false
	}
	return isAPIError(err) || !(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

func isAPIError(err error) bool {
	var apiErr *hive.APIError
	return errors.As(err, &apiErr)
}
