package server

import "fmt"

// ResolveBundle picks the bundle a lookup found, for Store implementations:
// found holds the stored bundles of tasks with the uuid (in the project, or
// in any project when projectUUID is empty; at most two need be read). It
// fails wrapping ErrNotStored when found is empty and ErrAmbiguous when it
// holds several, naming the task in both.
func ResolveBundle(projectUUID, taskUUID string, found []Bundle) (Bundle, error) {
	switch len(found) {
	case 0:
		if projectUUID != "" {
			return Bundle{}, fmt.Errorf("no published bundle for task %q in project %q: %w", taskUUID, projectUUID, ErrNotStored)
		}
		return Bundle{}, fmt.Errorf("no published bundle for task %q: %w", taskUUID, ErrNotStored)
	case 1:
		return found[0], nil
	default:
		return Bundle{}, fmt.Errorf("task %q is published in several projects: %w", taskUUID, ErrAmbiguous)
	}
}
