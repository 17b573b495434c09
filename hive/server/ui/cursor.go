package ui

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

// errBadCursor reports a "before" parameter the UI did not make.
var errBadCursor = errors.New("before: not a position this UI made; start from the first page")

// cursorJSON is the content of an encoded cursor.
type cursorJSON struct {
	T int64  `json:"t"` // CreatedAt in Unix nanoseconds
	P string `json:"p"`
	U string `json:"u"`
}

// encodeCursor returns the "before" parameter of the page after c.
func encodeCursor(c server.Cursor) string {
	b, _ := json.Marshal(cursorJSON{T: c.CreatedAt.UnixNano(), P: c.ProjectUUID, U: c.UUID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a value made by encodeCursor.
func decodeCursor(s string) (server.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return server.Cursor{}, errBadCursor
	}
	var c cursorJSON
	if err := json.Unmarshal(b, &c); err != nil || c.U == "" || c.P == "" {
		return server.Cursor{}, errBadCursor
	}
	return server.Cursor{CreatedAt: time.Unix(0, c.T).UTC(), ProjectUUID: c.P, UUID: c.U}, nil
}
