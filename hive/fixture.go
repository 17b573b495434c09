package hive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// Fixture is a stored record served as a fixture by GET /api/fixture/{uuid}:
// the file Forge Hive's CLI saves with fixture:download and runs with
// task:replay.
type Fixture struct {
	// FixtureUUID is the record's uuid.
	FixtureUUID string `json:"fixtureUUID"`
	// Name names the fixture (the task name).
	Name string `json:"name"`
	// TaskName is the record's task.
	TaskName string `json:"taskName"`
	// ProjectName and ProjectUUID name the record's project.
	ProjectName string `json:"projectName"`
	ProjectUUID string `json:"projectUuid"`
	// Type is the record's type: "success", "error" or "pending".
	Type string `json:"type,omitempty"`
	// Input is the record's input.
	Input json.RawMessage `json:"input"`
	// Output is the record's output; null when it has none.
	Output json.RawMessage `json:"output"`
	// Error is the record's error, when it failed.
	Error string `json:"error,omitempty"`
	// Boundaries are the record's boundary calls by boundary name.
	Boundaries json.RawMessage `json:"boundaries"`
	// Context is the record's metadata.
	Context json.RawMessage `json:"context"`
	// CreatedAt is when the server stored the record (RFC 3339).
	CreatedAt string `json:"createdAt,omitempty"`
	// Raw is the fixture object as the server answered it, members this
	// type does not name included: what a fixture file holds.
	Raw json.RawMessage `json:"-"`
}

// GetFixture reads the record with the uuid as a fixture from
// GET /api/fixture/{uuid}, scoped to the client's project when it has a
// project uuid (records are keyed by project, task and uuid, so a uuid
// alone may name several). A uuid the server does not have gives an error
// wrapping ErrNotFound; one stored in several places an *APIError with
// status 409 (wrapping ErrBadRequest) whose message names them. A silent
// client returns ErrSilent without a request.
func (c *LogClient) GetFixture(ctx context.Context, uuid string) (*Fixture, error) {
	if c.IsSilent() {
		return nil, ErrSilent
	}
	if uuid == "" {
		return nil, fmt.Errorf("%w: GetFixture needs a record uuid", ErrInvalidArgument)
	}
	path := wire.FixturePath + esc(uuid)
	var resp struct {
		Fixture json.RawMessage `json:"fixture"`
	}
	if err := c.tr.do(ctx, "GET", path, c.projectQuery(), nil, &resp); err != nil {
		return nil, err
	}
	raw := bytes.TrimSpace(resp.Fixture)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("hive: GET %s: %w: no fixture object in the answer", path, ErrInvalidResponse)
	}
	var f Fixture
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("hive: GET %s: %w: %s", path, ErrInvalidResponse, describeJSONError(err))
	}
	f.Raw = raw
	return &f, nil
}
