package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

type invokeRequest struct {
	Payload json.RawMessage `json:"payload"`
}

type invokeResponse struct {
	ResponsePayload json.RawMessage `json:"responsePayload"`
}

// handleInvoke runs a task through its invoke URL:
// POST /api/projects/{projectUuid}/tasks/{taskUuid}/invoke.
//
// The server POSTs {"args": payload} to the task's invoke URL (the request
// shape of the task package's http.Handler) and answers 200
// {"responsePayload": <the target's JSON answer>}. It answers 404 when the
// project or task is unknown, 501 when the task has no invoke URL, and 502
// {"error"} when the target cannot be reached, answers a non-2xx status
// (its error message is included) or answers something other than JSON.
func (s *Server) handleInvoke(w http.ResponseWriter, r *http.Request) {
	projectUUID, taskUUID := r.PathValue("projectUuid"), r.PathValue("taskUuid")
	if err := checkID("projectUuid", projectUUID, false); err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := checkID("taskUuid", taskUUID, false); err != nil {
		s.respondError(w, r, err)
		return
	}
	var req invokeRequest
	if err := decodeBody(w, r, s.cfg.maxBodyBytes, &req); err != nil {
		s.respondError(w, r, err)
		return
	}
	task, err := s.store.GetTask(r.Context(), projectUUID, taskUUID)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	if task.InvokeURL == "" {
		writeError(w, http.StatusNotImplemented, "task has no invoke URL")
		return
	}
	payload := req.Payload
	if len(bytes.TrimSpace(payload)) == 0 {
		payload = json.RawMessage("null")
	}
	out, err := s.callTarget(r, task, payload)
	if err != nil {
		s.cfg.logger.WarnContext(r.Context(), "hive server: invoke failed",
			slog.String("task", task.Name), slog.String("taskUuid", task.UUID), slog.Any("error", err))
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, invokeResponse{ResponsePayload: out})
}

// callTarget POSTs {"args": payload} to the task's invoke URL and returns its
// JSON answer.
func (s *Server) callTarget(r *http.Request, task RegisteredTask, payload json.RawMessage) (json.RawMessage, error) {
	body, err := json.Marshal(struct {
		Args json.RawMessage `json:"args"`
	}{payload})
	if err != nil {
		return nil, fmt.Errorf("invoke %s: encode args: %w", task.Name, err)
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, task.InvokeURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", task.Name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.invokeClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: target unreachable: %w", task.Name, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, s.cfg.maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("invoke %s: read target answer: %w", task.Name, err)
	}
	if int64(len(data)) > s.cfg.maxBodyBytes {
		return nil, fmt.Errorf("invoke %s: target answer exceeds %d bytes", task.Name, s.cfg.maxBodyBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("invoke %s: target answered %d: %s", task.Name, resp.StatusCode, targetMessage(data))
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return json.RawMessage("null"), nil
	}
	if !json.Valid(data) {
		return nil, errors.New("invoke " + task.Name + ": target answer is not JSON")
	}
	return json.RawMessage(data), nil
}

// targetMessage extracts the error message of a failed target answer.
func targetMessage(data []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && len(e.Error) > 0 {
		var msg string
		if json.Unmarshal(e.Error, &msg) == nil {
			return msg
		}
		return string(e.Error)
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}
