package server

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// MaxInvokeRedirects is the most redirects an invoke follows, all within the
// origin (scheme, host and port) of the task's invoke URL. A redirect to
// another origin is never followed: the invoke fails with a 502 naming the
// host it pointed to.
const MaxInvokeRedirects = 3

// invokeClient returns the client invokes are made with: a copy of hc (same
// transport, jar and timeout; hc is left as it is) whose CheckRedirect applies
// checkInvokeRedirect first, then hc's own CheckRedirect, if any.
func invokeClient(hc *http.Client) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkInvokeRedirect(req, via); err != nil {
			return err
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &c
}

// checkInvokeRedirect is the redirect rule of invokes: at most
// MaxInvokeRedirects redirects, each to the origin of the first request.
func checkInvokeRedirect(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	from, to := origin(via[0].URL), origin(req.URL)
	if from != to {
		return &redirectError{from: via[0].URL.Host, to: req.URL.Host, crossHost: true}
	}
	if len(via) > MaxInvokeRedirects {
		return &redirectError{from: via[0].URL.Host, to: req.URL.Host}
	}
	return nil
}

// origin returns the scheme and host:port of u, with the scheme's default
// port when u has none and the host in lower case.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return u.Scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// redirectError is a redirect an invoke did not follow: to another origin
// (crossHost), or one past MaxInvokeRedirects. from is the host of the
// invoke URL, to the host the target's Location header named; the message
// shows both summarized.
type redirectError struct {
	from, to  string
	crossHost bool
}

func (e *redirectError) Error() string {
	if e.crossHost {
		return fmt.Sprintf("target redirected to another host %q; only redirects within %q are followed",
			summarize(e.to, maxHostChars), summarize(e.from, maxHostChars))
	}
	return fmt.Sprintf("target redirected more than %d times", MaxInvokeRedirects)
}
