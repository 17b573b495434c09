package httpjson

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// errorBody is the answer Write sends when v does not encode: the shape of
// the Hive API's errors, which a body with only "error" also matches.
type errorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// Write answers status with v encoded as JSON, followed by a newline, with
// Content-Type application/json and X-Content-Type-Options nosniff. HTML
// characters are not escaped, so JSON payloads inside v (json.RawMessage)
// come back byte for byte.
//
// v is encoded before anything is written: when it does not encode (a
// channel, a NaN, a failing MarshalJSON), the answer is 500 with
// {"error":"encode response: …","status":500} instead. Write does not
// report the error of writing to w, which only a closed connection causes.
func Write(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(errorBody{Error: "encode response: " + err.Error(), Status: status})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
