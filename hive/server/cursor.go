package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// ErrBadCursor is returned by ParseCursor for a value String did not make.
var ErrBadCursor = errors.New("invalid cursor: pass the \"next\" value of a previous page")

// cursorJSON is the content of an encoded cursor.
type cursorJSON struct {
	T int64  `json:"t"` // CreatedAt in Unix nanoseconds
	P string `json:"p"`
	U string `json:"u"`
}

// String returns the cursor as the opaque value a listing's "next" member
// carries and its "before" parameter takes (URL-safe base64).
func (c Cursor) String() string {
	b, _ := json.Marshal(cursorJSON{T: c.CreatedAt.UnixNano(), P: c.ProjectUUID, U: c.UUID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor parses a value made by Cursor.String; any other value gives
// ErrBadCursor.
func ParseCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	var c cursorJSON
	if err := json.Unmarshal(b, &c); err != nil || c.U == "" || c.P == "" {
		return Cursor{}, ErrBadCursor
	}
	return Cursor{CreatedAt: time.Unix(0, c.T).UTC(), ProjectUUID: c.P, UUID: c.U}, nil
}
