package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// nameRecordTask names the task of a record that has none (the TypeScript
// SDK's sendLogByUuid may send such records): the task of the project that
// taskUUID names. It returns the name and the record's JSON with that name
// written under "taskName" (over an empty or null value, else as the last
// key), so the name the record is indexed under is the one it holds. A
// record without task name whose taskUuid names no task of the project is
// answered 400.
func (s *Server) nameRecordTask(ctx context.Context, projectUUID, taskUUID string, item []byte) (string, []byte, error) {
	if taskUUID == "" {
		return "", nil, errorf(http.StatusBadRequest, "logItem has no taskName, and no taskUuid names its task")
	}
	t, err := s.store.GetTask(ctx, projectUUID, taskUUID)
	if errors.Is(err, ErrNotStored) {
		return "", nil, errorf(http.StatusBadRequest,
			"logItem has no taskName, and taskUuid %q names no task of project %q: register the task first (sync) or send its name", taskUUID, projectUUID)
	}
	if err != nil {
		return "", nil, err
	}
	return t.Name, withStringMember(item, "taskName", t.Name), nil
}

// withStringMember returns a copy of the record object item with key set
// to the string value: written over the value key has, else appended as the
// last key (so that readers matching keys case-insensitively, which take
// the last match, see it too). item is a valid JSON object.
func withStringMember(item []byte, key, value string) []byte {
	quoted, _ := json.Marshal(value) // a string always encodes
	if start, end, ok := topLevelValueSpan(item, key); ok {
		out := make([]byte, 0, len(item)+len(quoted))
		return append(append(append(out, item[:start]...), quoted...), item[end:]...)
	}
	end := lastByte(item, '}')
	sep := ","
	if isEmptyObject(item[:end]) {
		sep = ""
	}
	out := make([]byte, 0, len(item)+len(key)+len(quoted)+8)
	out = append(out, item[:end]...)
	out = append(out, sep+`"`+key+`":`...)
	out = append(out, quoted...)
	return append(out, item[end:]...)
}

// lastByte is the index of the last c in b.
func lastByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// isEmptyObject reports whether head, a JSON object without its closing
// brace, has no member.
func isEmptyObject(head []byte) bool {
	for i := len(head) - 1; i >= 0; i-- {
		switch head[i] {
		case ' ', '\t', '\n', '\r':
		case '{':
			return true
		default:
			return false
		}
	}
	return false
}
