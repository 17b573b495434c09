package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// errBadCursor is returned for a "before" value the server did not make.
var errBadCursor = errors.New("invalid cursor: pass the \"next\" value of a previous page")

// cursorJSON is the content of an encoded cursor.
type cursorJSON struct {
	T int64  `json:"t"` // CreatedAt in Unix nanoseconds
	P string `json:"p"`
	U string `json:"u"`
}

// encodeCursor returns the opaque "next" value for a listing position.
func encodeCursor(c Cursor) string {
	b, _ := json.Marshal(cursorJSON{T: c.CreatedAt.UnixNano(), P: c.ProjectUUID, U: c.UUID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a value made by encodeCursor.
func decodeCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, errBadCursor
	}
	var c cursorJSON
	if err := json.Unmarshal(b, &c); err != nil || c.U == "" || c.P == "" {
		return Cursor{}, errBadCursor
	}
	return Cursor{CreatedAt: time.Unix(0, c.T).UTC(), ProjectUUID: c.P, UUID: c.U}, nil
}
