package httpjson

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("no JSON here") }

func TestWrite(t *testing.T) {
	w := httptest.NewRecorder()
	Write(w, http.StatusCreated, map[string]any{
		"html":    "<b>&</b>",
		"payload": json.RawMessage(`{"a":"<x>"}`),
	})
	assert.Equal(t, http.StatusCreated, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, `{"html":"<b>&</b>","payload":{"a":"<x>"}}`+"\n", w.Body.String())
}

func TestWriteValueThatDoesNotEncode(t *testing.T) {
	for name, v := range map[string]any{
		"channel":           make(chan int),
		"NaN":               math.NaN(),
		"failing marshaler": failing{},
	} {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			Write(w, http.StatusOK, v)
			assert.Equal(t, http.StatusInternalServerError, w.Code)
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			var body struct {
				Error  string `json:"error"`
				Status int    `json:"status"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
			assert.Contains(t, body.Error, "encode response: ")
			assert.Equal(t, http.StatusInternalServerError, body.Status)
		})
	}
}
