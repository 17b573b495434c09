package hive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// Client invokes tasks registered on a Hive server. It is safe for concurrent
// use.
type Client struct {
	s  *settings
	tr *transport
}

// NewClient returns a Client for cfg, after applying the fallbacks documented
// on Config. Unlike a LogClient it needs credentials (ErrNoCredentials) and a
// project uuid, from Config.ProjectUUID or forge.json (ErrNoProject); it also
// fails like NewLogClient on a bad forge.json or host.
func NewClient(cfg Config) (*Client, error) {
	s, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	if !s.hasCredentials() {
		return nil, ErrNoCredentials
	}
	if s.projectUUID == "" {
		return nil, fmt.Errorf("%w (set Config.ProjectUUID or project.uuid in forge.json)", ErrNoProject)
	}
	return &Client{s: s, tr: newTransport(s)}, nil
}

// Forge returns the parsed forge.json, or nil when none was configured.
func (c *Client) Forge() *Forge { return c.s.forge }

// Invoke runs the task with uuid taskUUID on the server through
// POST /api/projects/{projectUuid}/tasks/{taskUuid}/invoke with
// {"payload": payload} and returns the task's answer ("responsePayload") as
// raw JSON. Use Forge().TaskUUID to find a task's uuid by name.
//
// A task that reports an error gives an error wrapping ErrInvokeFailed with
// its message; HTTP failures give an *APIError (an unknown task wraps
// ErrNotFound, a task the server cannot invoke ErrServer), network failures
// ErrNetwork. A payload that cannot be encoded wraps ErrInvalidArgument.
func (c *Client) Invoke(ctx context.Context, taskUUID string, payload any) (json.RawMessage, error) {
	if taskUUID == "" {
		return nil, fmt.Errorf("%w: Invoke needs a task uuid", ErrInvalidArgument)
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: encode payload: %w", ErrInvalidArgument, err)
	}
	body := struct {
		Payload json.RawMessage `json:"payload"`
	}{raw}
	var resp struct {
		ResponsePayload json.RawMessage `json:"responsePayload"`
		Error           json.RawMessage `json:"error"`
	}
	path := "/api/projects/" + esc(c.s.projectUUID) + "/tasks/" + esc(taskUUID) + "/invoke"
	if err := c.tr.do(ctx, "POST", path, nil, body, &resp); err != nil {
		return nil, err
	}
	if msg := invokeError(resp.Error); msg != "" {
		return nil, fmt.Errorf("hive: invoke %s: %w: %s", taskUUID, ErrInvokeFailed, msg)
	}
	if resp.ResponsePayload == nil {
		if resp.Error != nil {
			return nil, fmt.Errorf("hive: invoke %s: %w", taskUUID, ErrInvokeFailed)
		}
		return nil, fmt.Errorf("hive: POST %s: %w: no responsePayload", path, ErrInvalidResponse)
	}
	return resp.ResponsePayload, nil
}

// invokeError renders an "error" field that may be a string or any JSON value;
// "" when absent or null.
func invokeError(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var obj struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(raw, &obj); err == nil && obj.Message != "" {
		return obj.Message
	}
	return string(raw)
}
