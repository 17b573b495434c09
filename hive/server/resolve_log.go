package server

import "fmt"

// ResolveLog picks the record a lookup by key found, for Store
// implementations: found holds the stored entries matching key (at most two
// need be read when key.ProjectUUID is empty). It fails wrapping
// ErrNotStored when found is empty and ErrAmbiguous when it holds several,
// naming the record in both.
func ResolveLog(key LogKey, found []StoredLog) (StoredLog, error) {
	switch len(found) {
	case 0:
		return StoredLog{}, fmt.Errorf("record %q of task %q: %w", key.UUID, key.TaskName, ErrNotStored)
	case 1:
		return found[0], nil
	default:
		return StoredLog{}, fmt.Errorf("record %q of task %q: %w", key.UUID, key.TaskName, ErrAmbiguous)
	}
}
