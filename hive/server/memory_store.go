package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hivetrace/hivetrace/internal/run"
)

// memoryStore is a Store that keeps everything in memory. It exists for tests
// and throwaway servers: nothing survives the process.
type memoryStore struct {
	now func() time.Time

	mu       sync.RWMutex
	projects map[string]Project
	tasks    map[string]map[string]RegisteredTask // project uuid → task name → task
	logs     map[LogKey]StoredLog
	facts    map[LogKey]logFacts  // what filters and stats read of each record (memory_task_stats.go)
	staged   map[RunKey]*memRun   // staged runs (memory_staging.go); nil until a span is staged
	bundles  map[bundleKey]Bundle // published bundles (memory_bundle.go); nil until a publish
}

var _ Store = (*memoryStore)(nil)

// NewMemoryStore returns a Store that keeps everything in memory, for tests
// and throwaway servers. It is safe for concurrent use and never blocks on
// I/O; nothing survives the process.
func NewMemoryStore() Store {
	return &memoryStore{
		now:      time.Now,
		projects: map[string]Project{},
		tasks:    map[string]map[string]RegisteredTask{},
		logs:     map[LogKey]StoredLog{},
		facts:    map[LogKey]logFacts{},
	}
}

func (m *memoryStore) EnsureProject(ctx context.Context, p Project) (Project, bool, error) {
	if err := ctx.Err(); err != nil {
		return Project{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.projects[p.UUID]; ok {
		return old, false, nil
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = m.now()
	}
	m.projects[p.UUID] = p
	return p, true, nil
}

func (m *memoryStore) UpdateProject(ctx context.Context, p Project) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.projects[p.UUID]
	if !ok {
		return fmt.Errorf("project %q: %w", p.UUID, ErrNotStored)
	}
	old.Name, old.Description = p.Name, p.Description
	m.projects[p.UUID] = old
	return nil
}

func (m *memoryStore) GetProject(ctx context.Context, uuid string) (Project, error) {
	if err := ctx.Err(); err != nil {
		return Project{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.projects[uuid]
	if !ok {
		return Project{}, fmt.Errorf("project %q: %w", uuid, ErrNotStored)
	}
	return p, nil
}

// taskByUUID returns the task of the project with the uuid. m.mu must be held.
func (m *memoryStore) taskByUUID(projectUUID, uuid string) (RegisteredTask, bool) {
	for _, t := range m.tasks[projectUUID] {
		if t.UUID == uuid {
			return t, true
		}
	}
	return RegisteredTask{}, false
}

func (m *memoryStore) EnsureTask(ctx context.Context, t RegisteredTask) (RegisteredTask, bool, error) {
	if err := ctx.Err(); err != nil {
		return RegisteredTask{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.projects[t.ProjectUUID]; !ok {
		return RegisteredTask{}, false, fmt.Errorf("project %q: %w", t.ProjectUUID, ErrNotStored)
	}
	if old, ok := m.tasks[t.ProjectUUID][t.Name]; ok {
		return old, false, nil
	}
	if other, ok := m.taskByUUID(t.ProjectUUID, t.UUID); ok {
		return RegisteredTask{}, false, fmt.Errorf("task uuid %q is used by task %q: %w", t.UUID, other.Name, ErrConflict)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = m.now()
	}
	if m.tasks[t.ProjectUUID] == nil {
		m.tasks[t.ProjectUUID] = map[string]RegisteredTask{}
	}
	m.tasks[t.ProjectUUID][t.Name] = t
	return t, true, nil
}

func (m *memoryStore) PutTask(ctx context.Context, t RegisteredTask) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.projects[t.ProjectUUID]; !ok {
		return false, fmt.Errorf("project %q: %w", t.ProjectUUID, ErrNotStored)
	}
	if other, ok := m.taskByUUID(t.ProjectUUID, t.UUID); ok && other.Name != t.Name {
		return false, fmt.Errorf("task uuid %q is used by task %q: %w", t.UUID, other.Name, ErrConflict)
	}
	old, exists := m.tasks[t.ProjectUUID][t.Name]
	if exists {
		old.UUID, old.InvokeURL = t.UUID, t.InvokeURL
		m.tasks[t.ProjectUUID][t.Name] = old
		return false, nil
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = m.now()
	}
	if m.tasks[t.ProjectUUID] == nil {
		m.tasks[t.ProjectUUID] = map[string]RegisteredTask{}
	}
	m.tasks[t.ProjectUUID][t.Name] = t
	return true, nil
}

func (m *memoryStore) GetTask(ctx context.Context, projectUUID, taskUUID string) (RegisteredTask, error) {
	if err := ctx.Err(); err != nil {
		return RegisteredTask{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	t, ok := m.taskByUUID(projectUUID, taskUUID)
	if !ok {
		return RegisteredTask{}, fmt.Errorf("task %q in project %q: %w", taskUUID, projectUUID, ErrNotStored)
	}
	return t, nil
}

func (m *memoryStore) ListTasks(ctx context.Context, projectUUID string) ([]RegisteredTask, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]RegisteredTask, 0, len(m.tasks[projectUUID]))
	for _, t := range m.tasks[projectUUID] {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b RegisteredTask) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *memoryStore) Ingest(ctx context.Context, entries []IngestEntry) ([]PutLogResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]PutLogResult, len(entries))
	for i, in := range entries {
		out[i] = m.ingest(in)
	}
	return out, nil
}

// ingest stores one entry as Ingest documents. m.mu must be held for writing.
func (m *memoryStore) ingest(in IngestEntry) PutLogResult {
	if err := in.Validate(); err != nil {
		return PutLogResult{Err: err}
	}
	e := in.Log
	if e.CreatedAt.IsZero() {
		e.CreatedAt = m.now()
	}
	p, ok := m.projects[e.ProjectUUID]
	if !ok {
		p = Project{UUID: e.ProjectUUID, Name: in.ProjectName, CreatedAt: e.CreatedAt}
		m.projects[p.UUID] = p
	}
	var res PutLogResult
	t, ok := m.tasks[e.ProjectUUID][e.TaskName]
	if !ok {
		id := in.TaskUUID
		if other, taken := m.taskByUUID(e.ProjectUUID, id); taken && id != "" {
			res.TaskUUIDTakenBy, id = other.Name, ""
		}
		if id == "" {
			id = run.NewUUID()
		}
		t = RegisteredTask{ProjectUUID: e.ProjectUUID, UUID: id, Name: e.TaskName, CreatedAt: e.CreatedAt}
		if m.tasks[t.ProjectUUID] == nil {
			m.tasks[t.ProjectUUID] = map[string]RegisteredTask{}
		}
		m.tasks[t.ProjectUUID][t.Name] = t
	}
	key := e.Key()
	if old, ok := m.logs[key]; ok {
		res.Entry = m.withProjectName(old)
		return res
	}
	e.ProjectName = p.Name
	e.TaskUUID = t.UUID
	e.Record = bytes.Clone(e.Record)
	e.Quality = bytes.Clone(e.Quality)
	m.putLog(e)
	res.Entry, res.Created = m.withProjectName(e), true
	return res
}

// withProjectName returns a copy of e with the current project name. m.mu must
// be held.
func (m *memoryStore) withProjectName(e StoredLog) StoredLog {
	e.ProjectName = m.projects[e.ProjectUUID].Name
	e.Record = bytes.Clone(e.Record)
	e.Quality = bytes.Clone(e.Quality)
	return e
}

// resolve finds the stored key for key. m.mu must be held.
func (m *memoryStore) resolve(key LogKey) (LogKey, error) {
	if key.ProjectUUID != "" {
		if _, ok := m.logs[key]; !ok {
			return LogKey{}, fmt.Errorf("record %q of task %q: %w", key.UUID, key.TaskName, ErrNotStored)
		}
		return key, nil
	}
	var found []LogKey
	for k := range m.logs {
		if k.TaskName == key.TaskName && k.UUID == key.UUID {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		return LogKey{}, fmt.Errorf("record %q of task %q: %w", key.UUID, key.TaskName, ErrNotStored)
	case 1:
		return found[0], nil
	default:
		return LogKey{}, fmt.Errorf("record %q of task %q: %w", key.UUID, key.TaskName, ErrAmbiguous)
	}
}

func (m *memoryStore) GetLog(ctx context.Context, key LogKey) (StoredLog, error) {
	if err := ctx.Err(); err != nil {
		return StoredLog{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	k, err := m.resolve(key)
	if err != nil {
		return StoredLog{}, err
	}
	return m.withProjectName(m.logs[k]), nil
}

// cursorOf returns the listing position of e.
func cursorOf(e StoredLog) Cursor {
	return Cursor{CreatedAt: e.CreatedAt, ProjectUUID: e.ProjectUUID, UUID: e.UUID}
}

// compareCursor orders positions newest first: it is negative when a comes
// before b in a listing.
func compareCursor(a, b Cursor) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	if c := strings.Compare(b.ProjectUUID, a.ProjectUUID); c != 0 {
		return c
	}
	return strings.Compare(b.UUID, a.UUID)
}

func (m *memoryStore) EachLog(ctx context.Context, q LogQuery, fn func(StoredLog) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The page is selected under the lock and passed to fn without it, so a
	// slow fn does not hold up writers. Stored records are never changed in
	// place, so the selected entries stay valid.
	m.mu.RLock()
	var page []StoredLog
	for k, e := range m.logs {
		if k.TaskName != q.TaskName || (q.ProjectUUID != "" && k.ProjectUUID != q.ProjectUUID) {
			continue
		}
		if q.Before != nil && compareCursor(cursorOf(e), *q.Before) <= 0 || !m.facts[k].selected(q) {
			continue
		}
		e.ProjectName = m.projects[e.ProjectUUID].Name
		page = append(page, e)
	}
	m.mu.RUnlock()
	slices.SortFunc(page, func(a, b StoredLog) int { return compareCursor(cursorOf(a), cursorOf(b)) })
	if q.Limit > 0 && len(page) > q.Limit {
		page = page[:q.Limit]
	}
	for _, e := range page {
		if err := ctx.Err(); err != nil {
			return err
		}
		e.Record = bytes.Clone(e.Record)
		e.Quality = bytes.Clone(e.Quality)
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (m *memoryStore) ListLogs(ctx context.Context, q LogQuery) ([]StoredLog, error) {
	out := []StoredLog{}
	err := m.EachLog(ctx, q, func(e StoredLog) error {
		out = append(out, e) // EachLog passes copies
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (m *memoryStore) SetQuality(ctx context.Context, key LogKey, quality json.RawMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k, err := m.resolve(key)
	if err != nil {
		return err
	}
	e := m.logs[k]
	e.Quality = bytes.Clone(quality)
	m.putLog(e)
	return nil
}

func (m *memoryStore) Close() error { return nil }
