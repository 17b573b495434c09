package server

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// bundleKey identifies the bundle of a task in the memory store.
type bundleKey struct{ projectUUID, taskUUID string }

func (m *memoryStore) PublishBundle(ctx context.Context, b Bundle) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b.PublishedAt.IsZero() {
		b.PublishedAt = m.now()
	}
	b.Metadata = bytes.Clone(b.Metadata)
	b.Data, b.UploadedAt = nil, time.Time{}
	if m.bundles == nil {
		m.bundles = map[bundleKey]Bundle{}
	}
	m.bundles[bundleKey{b.ProjectUUID, b.TaskUUID}] = b
	return nil
}

func (m *memoryStore) UploadBundle(ctx context.Context, projectUUID, taskUUID string, data []byte, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := bundleKey{projectUUID, taskUUID}
	b, ok := m.bundles[k]
	if !ok {
		return fmt.Errorf("task %q of project %q has not been published: %w", taskUUID, projectUUID, ErrNotStored)
	}
	if at.IsZero() {
		at = m.now()
	}
	b.Data, b.UploadedAt = bytes.Clone(data), at
	if b.Data == nil {
		b.Data = []byte{}
	}
	m.bundles[k] = b
	return nil
}

func (m *memoryStore) GetBundle(ctx context.Context, projectUUID, taskUUID string) (Bundle, error) {
	if err := ctx.Err(); err != nil {
		return Bundle{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	var found []Bundle
	for k, b := range m.bundles {
		if k.taskUUID == taskUUID && (projectUUID == "" || k.projectUUID == projectUUID) {
			found = append(found, b)
		}
	}
	b, err := ResolveBundle(projectUUID, taskUUID, found)
	if err != nil {
		return Bundle{}, err
	}
	b.Metadata, b.Data = bytes.Clone(b.Metadata), bytes.Clone(b.Data)
	return b, nil
}

func (m *memoryStore) FindLogs(ctx context.Context, projectUUID, uuid string, limit int) ([]StoredLog, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := []StoredLog{}
	for k, e := range m.logs {
		if k.UUID == uuid && (projectUUID == "" || k.ProjectUUID == projectUUID) {
			e.ProjectName = m.projects[e.ProjectUUID].Name
			e.Record, e.Quality = bytes.Clone(e.Record), bytes.Clone(e.Quality)
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b StoredLog) int {
		return cmp.Or(strings.Compare(a.ProjectUUID, b.ProjectUUID), strings.Compare(a.TaskName, b.TaskName))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *memoryStore) DescribeTask(ctx context.Context, projectUUID, taskUUID, description string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.taskByUUID(projectUUID, taskUUID)
	if !ok {
		return fmt.Errorf("task %q in project %q: %w", taskUUID, projectUUID, ErrNotStored)
	}
	t.Description = description
	m.tasks[projectUUID][t.Name] = t
	return nil
}
