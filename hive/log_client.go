package hive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// LogClient sends execution records to a Hive server and reads them back. It
// is safe for concurrent use. Without credentials it is in silent mode: no
// method touches the network.
type LogClient struct {
	s  *settings
	tr *transport

	listenerMu sync.Mutex
	listener   *listenerQueue // behind Listener; nil until its first call
}

// NewLogClient returns a LogClient for cfg, after applying the fallbacks
// documented on Config. It fails when ForgePath names a file that cannot be
// read or parsed (the error names the file and the problem and wraps
// ErrInvalidForge) or when the host is not an http(s) URL (ErrInvalidConfig).
// Missing credentials are not an error: the client is then silent.
func NewLogClient(cfg Config) (*LogClient, error) {
	s, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	c := &LogClient{s: s, tr: newTransport(s)}
	if c.IsSilent() {
		s.log().Debug("hive: no credentials, log client is silent",
			slog.String("hint", "set "+EnvAPIKey+" and "+EnvAPISecret))
	}
	return c, nil
}

// NewLogClientFromForge returns a LogClient whose project name and uuid come
// from the forge.json at path; non-empty fields of overrides win over the
// file. It fails like NewLogClient, and with ErrInvalidForge when neither the
// file nor overrides give a project uuid.
func NewLogClientFromForge(path string, overrides Config) (*LogClient, error) {
	cfg := overrides
	cfg.ForgePath = path
	c, err := NewLogClient(cfg)
	if err != nil {
		return nil, err
	}
	if c.s.projectUUID == "" {
		return nil, fmt.Errorf("%w: %s: project.uuid is missing", ErrInvalidForge, path)
	}
	return c, nil
}

// IsSilent reports whether the client has no credentials and so never sends
// anything.
func (c *LogClient) IsSilent() bool { return !c.s.hasCredentials() }

// Forge returns the parsed forge.json, or nil when none was configured.
func (c *LogClient) Forge() *Forge { return c.s.forge }

// SendLog sends one record to POST /api/log-ingest and returns the server's
// answer; it never panics and returns once ctx is done. The body is
// {"projectUuid","projectName","taskUuid","logItem"} with logItem the record's
// JSON as a string (projectName omitted when unknown).
//
// The record is not modified: SendLog sends a copy whose uuid is the record's
// own or, when it has none, a new UUID v7, and whose metadata merges the
// client's base metadata, the record's own and metadata, in increasing
// priority. The task uuid is forge.json's uuid for the record's task name, or
// empty when the task is not listed. The server's ingest is idempotent by
// uuid: to retry a failed send without risking a duplicate, give the record a
// uuid before the first attempt.
//
// On success the response is never nil and its UUID is the uuid the record
// was stored under; when the server's answer could not be read (the record is
// stored all the same) the response holds only the uuid and task name sent.
//
// A silent client returns ErrSilent without touching the network. A nil
// record, one without a task name (ErrInvalidArgument) or a client with
// neither project uuid nor project name (ErrNoProject) fail without a
// request. A client with a project name but no uuid sends the name alone, as
// the TypeScript SDK's name-only configuration does: the server files the
// record under the project of that name (hive serve registers it, its uuid
// derived from the name). Other errors wrap
// ErrUnauthorized, ErrBadRequest, ErrServer, ErrNetwork… (an *APIError for
// HTTP answers); Retryable tells whether sending again may help.
func (c *LogClient) SendLog(ctx context.Context, rec *otelrecord.ExecutionRecord, metadata map[string]string) (*IngestResponse, error) {
	if c.IsSilent() {
		return nil, ErrSilent
	}
	if err := checkRecord(rec); err != nil {
		return nil, err
	}
	if !c.s.hasProject() {
		return nil, errNoProject()
	}
	body, out, err := c.ingestRequest(rec, metadata, false)
	if err != nil {
		return nil, err
	}
	var resp IngestResponse
	err = c.tr.do(ctx, "POST", "/api/log-ingest", nil, body, &resp)
	switch {
	case err == nil:
	case errors.Is(err, ErrInvalidResponse) && !isAPIError(err):
		// A 2xx answer we could not read: the record is stored all the same.
		c.s.log().Debug("hive: unreadable ingest response", slog.String("uuid", out.UUID), slog.Any("error", err))
		resp = IngestResponse{}
	default:
		return nil, err
	}
	if resp.UUID == "" {
		resp.UUID = out.UUID
	}
	if resp.TaskName == "" {
		resp.TaskName = out.TaskName
	}
	return &resp, nil
}

// ingestRequest returns the /api/log-ingest body that sends rec, and the copy
// of rec it carries (see prepare). A nil record, one without a task name or
// one that cannot be encoded fails with ErrInvalidArgument.
func (c *LogClient) ingestRequest(rec *otelrecord.ExecutionRecord, metadata map[string]string, asObject bool) (wire.IngestRequest, *otelrecord.ExecutionRecord, error) {
	if err := checkRecord(rec); err != nil {
		return wire.IngestRequest{}, nil, err
	}
	out, err := c.prepare(rec, metadata)
	if err != nil {
		return wire.IngestRequest{}, nil, err
	}
	item, err := json.Marshal(out)
	if err != nil {
		return wire.IngestRequest{}, nil, fmt.Errorf("%w: encode record: %w", ErrInvalidArgument, err)
	}
	itemText := json.RawMessage(item)
	if !asObject {
		// The Hive API carries the record as a JSON string.
		if itemText, err = json.Marshal(string(item)); err != nil {
			return wire.IngestRequest{}, nil, fmt.Errorf("%w: encode record: %w", ErrInvalidArgument, err)
		}
	}
	return wire.IngestRequest{
		ProjectUUID: c.s.projectUUID,
		ProjectName: c.s.projectName, // lets a local server name a project it registers
		TaskUUID:    c.s.forge.TaskUUID(out.TaskName),
		LogItem:     itemText,
	}, out, nil
}

// checkRecord refuses, with ErrInvalidArgument, what cannot be sent: a nil
// record or one without a task name.
func checkRecord(rec *otelrecord.ExecutionRecord) error {
	if rec == nil {
		return fmt.Errorf("%w: nil record", ErrInvalidArgument)
	}
	if rec.TaskName == "" {
		return fmt.Errorf("%w: record has no task name", ErrInvalidArgument)
	}
	return nil
}

// errNoProject is the error of a send without a project uuid or name.
func errNoProject() error {
	return fmt.Errorf("%w (set Config.ProjectUUID, Config.ProjectName or the project of forge.json)", ErrNoProject)
}

// hasProject reports whether records can be sent: the project is known by
// uuid or by name.
func (s *settings) hasProject() bool { return s.projectUUID != "" || s.projectName != "" }

// prepare returns the copy of rec that is sent: uuid filled in, metadata
// merged.
func (c *LogClient) prepare(rec *otelrecord.ExecutionRecord, metadata map[string]string) (*otelrecord.ExecutionRecord, error) {
	out := *rec // shallow: only UUID and Metadata are replaced below
	if out.UUID == "" {
		out.UUID = run.NewUUID()
	}
	out.Metadata = mergeMetadata(c.s.metadata, rec.Metadata, metadata)
	return &out, nil
}

// mergeMetadata merges base < own < call. It returns own itself when there is
// nothing to add, so a record without metadata keeps encoding without the key.
func mergeMetadata(base, own, call map[string]string) map[string]string {
	if len(base) == 0 && len(call) == 0 {
		return own
	}
	merged := make(map[string]string, len(base)+len(own)+len(call))
	maps.Copy(merged, base)
	maps.Copy(merged, own)
	maps.Copy(merged, call)
	return merged
}

func isAPIError(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr)
}
