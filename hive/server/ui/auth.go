package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

// How a visitor was let in.
const (
	viaCookie = "cookie" // a valid session cookie
	viaBearer = "bearer" // the API's Authorization header
	viaOpen   = "open"   // a server without credentials accepts everyone
)

// visitor is who a request comes from once authorized.
type visitor struct {
	// via is how the visitor was let in: viaCookie, viaBearer or viaOpen.
	via string
	// session is the session id (viaCookie) or a fixed id for the others.
	session string
	// csrf is the token the visitor's forms carry.
	csrf string
}

// authorized wraps a page that needs a visitor: one with a valid session
// cookie or the API's Bearer credentials (or anyone, on a server without
// credentials). A browser without either is redirected to the login page;
// a request with a refused Authorization header is answered 401 (or 429
// while its address or key is blocked), as the API answers it.
func (h *Handler) authorized(page func(http.ResponseWriter, *http.Request, visitor)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h.identify(r)
		if err == nil {
			w.Header().Set("Cache-Control", "no-store")
			page(w, r, v)
			return
		}
		var ae *server.AuthError
		if r.Header.Get("Authorization") != "" || !errors.As(err, &ae) || ae.Status == http.StatusTooManyRequests {
			h.refuse(w, r, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.errorPage(w, r, http.StatusUnauthorized, "Log in first.")
			return
		}
		http.Redirect(w, r, uiPrefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	}
}

// identify returns the visitor r comes from, or why it is refused.
func (h *Handler) identify(r *http.Request) (visitor, error) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		if id, ok := h.sessions.fromRequest(r); ok {
			return visitor{via: viaCookie, session: id, csrf: h.csrf.token(id)}, nil
		}
	}
	if err := h.authenticate(r, authz); err != nil {
		return visitor{}, err
	}
	if authz == "" {
		return visitor{via: viaOpen, session: viaOpen, csrf: h.csrf.token(viaOpen)}, nil
	}
	return visitor{via: viaBearer, session: viaBearer, csrf: h.csrf.token(viaBearer)}, nil
}

// refuse answers a refused credential: 401, or 429 with Retry-After.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusUnauthorized, err.Error()
	var ae *server.AuthError
	if errors.As(err, &ae) {
		status = ae.Status
		if ae.RetryAfter > 0 {
			w.Header().Set("Retry-After", retryAfter(ae.RetryAfter))
		}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hive"`)
	}
	h.errorPage(w, r, status, msg)
}

// checkCSRF reports whether a form posted by v carries its token. Requests
// authorized by an Authorization header need none: a browser never adds
// that header to a cross-site request on its own.
func (h *Handler) checkCSRF(r *http.Request, v visitor) bool {
	if v.via == viaBearer {
		return true
	}
	return h.csrf.valid(v.session, r.PostFormValue(csrfField))
}

// localNext returns next when it is a path of the UI, else the tasks page:
// the login page never redirects elsewhere.
func localNext(next string) string {
	if !strings.HasPrefix(next, uiPrefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return uiPrefix
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return uiPrefix
	}
	return next
}

// retryAfter formats a wait for a Retry-After header: whole seconds,
// rounded up.
func retryAfter(wait time.Duration) string {
	return strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)
}
