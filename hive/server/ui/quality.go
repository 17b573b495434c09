package ui

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hivetrace/hivetrace/hive/server"
)

// maxQualityFormBytes bounds the quality form's body.
const maxQualityFormBytes = 64 << 10

// qualityForm is the quality object the form posts, stored as the API's
// set-quality stores it: {"score","reason","suggestions"}.
type qualityForm struct {
	Score       float64 `json:"score"`
	Reason      string  `json:"reason"`
	Suggestions string  `json:"suggestions"`
}

// handleQuality stores the quality posted by a record page's form and
// redirects back to the record: POST /ui/tasks/{task}/logs/{uuid}/quality.
func (h *Handler) handleQuality(w http.ResponseWriter, r *http.Request, v visitor) {
	r.Body = http.MaxBytesReader(w, r.Body, maxQualityFormBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "Unreadable quality form: "+err.Error())
		return
	}
	if !h.checkCSRF(r, v) {
		h.errorPage(w, r, http.StatusForbidden, "The form is stale or came from another site: reload the record and try again.")
		return
	}
	q, err := parseQualityForm(r)
	if err != nil {
		h.errorPage(w, r, http.StatusBadRequest, err.Error())
		return
	}
	key, err := recordKey(r)
	if err != nil {
		h.errorPage(w, r, http.StatusBadRequest, err.Error())
		return
	}
	raw, _ := json.Marshal(q) // plain strings and a finite number: never fails
	switch err := h.store.SetQuality(r.Context(), key, raw); {
	case errors.Is(err, server.ErrNotStored):
		h.errorPage(w, r, http.StatusNotFound, "No such record: "+key.UUID)
		return
	case errors.Is(err, server.ErrAmbiguous):
		h.errorPage(w, r, http.StatusConflict, "The record exists in several projects: open it from its project's records page.")
		return
	case err != nil:
		h.storeFailure(w, r, "store the quality", err)
		return
	}
	back := url.Values{"saved": {"1"}}
	if key.ProjectUUID != "" {
		back.Set("project", key.ProjectUUID)
	}
	http.Redirect(w, r, withQuery(recordURL(key.TaskName, key.UUID, ""), back), http.StatusSeeOther)
}

// parseQualityForm reads and checks the posted quality.
func parseQualityForm(r *http.Request) (qualityForm, error) {
	s := strings.TrimSpace(r.PostFormValue("score"))
	if s == "" {
		return qualityForm{}, errors.New("quality: a score is required")
	}
	score, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(score) || math.IsInf(score, 0) {
		return qualityForm{}, errors.New("quality: the score must be a finite number, got " + strconv.Quote(s))
	}
	return qualityForm{
		Score:       score,
		Reason:      strings.TrimSpace(r.PostFormValue("reason")),
		Suggestions: strings.TrimSpace(r.PostFormValue("suggestions")),
	}, nil
}
