package httpurl

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrInvalid is wrapped by every error Parse and Base return.
var ErrInvalid = errors.New("invalid URL")

// Parse accepts an absolute http or https URL: the scheme is http or https
// (in any case) and the host is not empty. Anything else, including text
// url.Parse rejects, gives an error wrapping ErrInvalid that quotes raw.
func Parse(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an absolute http or https URL", ErrInvalid, raw)
	}
	return u, nil
}

// Base checks a base URL, one that request paths are appended to (as in
// Base(raw) + "/api/me"), and returns it without trailing slashes. Leading
// and trailing spaces are ignored; the URL must then pass Parse and carry no
// query and no fragment, which the appended path would land in. Errors wrap
// ErrInvalid.
func Base(raw string) (string, error) {
	u, err := Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", err
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("%w: %q must not carry a query or fragment", ErrInvalid, raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}
