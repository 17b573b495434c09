package task

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// request is the body Handler reads.
type request struct {
	Args json.RawMessage `json:"args"`
}

// errorBody is the body of Handler's error responses.
type errorBody struct {
	Error   string       `json:"error"`
	Details []FieldError `json:"details,omitempty"`
}

// Handler returns an http.Handler that runs the task for each request:
//
//	POST {"args": <input>}  200 with the output JSON
//	                        422 {"error","details"} when the input is invalid
//	                        500 {"error"} when the run fails
//	                        400 {"error"} when the body is not that JSON
//	                        413 {"error"} when the body is larger than the cap
//	                            (WithMaxRequestBytes, default 1 MiB)
//	other methods           405 {"error"} with an Allow header
//
// Each request is one run with the request's context, recorded as usual.
func (t *Task[In, Out]) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method " + r.Method + " not allowed; use POST"})
			return
		}
		var req request
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, t.cfg.maxRequestBytes))
		err := dec.Decode(&req)
		if err == nil {
			if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
				err = errors.New("data after the JSON body")
				var mbe *http.MaxBytesError
				if errors.As(terr, &mbe) {
					err = terr
				}
			}
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{Error: "request body too large"})
				return
			}
			writeJSON(w, http.StatusBadRequest, errorBody{Error: "malformed request body: " + err.Error()})
			return
		}
		out, _, err := t.RunJSON(r.Context(), req.Args)
		if err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				writeJSON(w, http.StatusUnprocessableEntity, errorBody{Error: ve.Error(), Details: ve.Fields})
				return
			}
			writeJSON(w, http.StatusInternalServerError, errorBody{Error: err.Error()})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
