package wire

import "encoding/json"

// FixturePath is the route prefix of GET /api/fixture/{uuid}: a stored
// record served as a fixture the forge CLI saves and replays.
const FixturePath = "/api/fixture/"

// FixtureResponse is the answer of GET /api/fixture/{uuid}.
type FixtureResponse struct {
	Fixture Fixture `json:"fixture"`
}

// Fixture is a stored record in the shape Forge Hive's CLI reads
// (fixture:download saves it, task:replay runs it).
type Fixture struct {
	// FixtureUUID is the record's uuid.
	FixtureUUID string `json:"fixtureUUID"`
	// Name names the fixture: the task name.
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
	// Context is the record's metadata (an object, {} when none).
	Context json.RawMessage `json:"context"`
	// CreatedAt is when the server stored the record (RFC 3339).
	CreatedAt string `json:"createdAt,omitempty"`
}
