package ui

import (
	"errors"
	"net/http"

	"github.com/hivetrace/hivetrace/hive/server"
)

// loginData is what the login page shows.
type loginData struct {
	Next  string
	Error string
}

// handleLoginPage shows the login form: GET /ui/login?next=.
func (h *Handler) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, http.StatusOK, "login", page{Title: "Log in", Data: loginData{Next: localNext(r.URL.Query().Get("next"))}})
}

// handleLogin checks the API key and secret posted by the login form with
// the server's credential check (failures count against its throttle)
// and, when they match, sets the session cookie and redirects to the page
// asked for: POST /ui/login.
func (h *Handler) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "Unreadable login form: "+err.Error())
		return
	}
	next := localNext(r.PostFormValue("next"))
	key, secret := r.PostFormValue("apiKey"), r.PostFormValue("apiSecret")
	authz := "Bearer " + key + ":" + secret
	if key == "" && secret == "" {
		authz = "" // not counted as a failed attempt
	}
	if err := h.authenticate(r, authz); err != nil || authz == "" {
		status, msg := http.StatusUnauthorized, "Wrong API key or secret."
		var ae *server.AuthError
		if errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests {
			status, msg = ae.Status, "Too many failed attempts: "+ae.Reason
			w.Header().Set("Retry-After", retryAfter(ae.RetryAfter))
		}
		if authz == "" {
			msg = "Enter the API key and secret the server was started with."
		}
		w.Header().Set("Cache-Control", "no-store")
		h.render(w, r, status, "login", page{Title: "Log in", Data: loginData{Next: next, Error: msg}})
		return
	}
	value, _, expires := h.sessions.issue()
	http.SetCookie(w, h.sessions.cookie(r, value, expires))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleLogout clears the session cookie: POST /ui/logout.
func (h *Handler) handleLogout(w http.ResponseWriter, r *http.Request, v visitor) {
	if !h.checkCSRF(r, v) {
		h.errorPage(w, r, http.StatusForbidden, "The form is stale or came from another site: reload the page and try again.")
		return
	}
	http.SetCookie(w, h.sessions.cookie(r, "", h.now()))
	http.Redirect(w, r, uiPrefix+"login", http.StatusSeeOther)
}
