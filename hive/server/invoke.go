package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
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
// {"error"} when the invoke fails: the stored invoke URL is not an absolute
// http or https URL (a row written before registration checked it), the
// target cannot be reached, redirects to another origin or more than
// MaxInvokeRedirects times, answers a non-2xx status ("invoke <task>: target
// answered <status>: <summary>"), an answer larger than the body limit
// (WithMaxBodyBytes), or something other than JSON. What a 502 shows of the
// target is a summary: at most 200 characters of its error message, without
// control characters; never its full body or its headers.
func (s *Server) handleInvoke(w http.ResponseWriter, r *http.Request) {
	projectUUID, taskUUID, err := taskPath(r)
	if err != nil {
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
	s.extendWriteDeadline(w)
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
// JSON answer. Errors are *invokeError.
func (s *Server) callTarget(r *http.Request, task RegisteredTask, payload json.RawMessage) (json.RawMessage, error) {
	if err := checkInvokeURL(task.InvokeURL); err != nil {
		return nil, &invokeError{
			msg:   fmt.Sprintf("invoke %s: the registered invoke URL is refused: %s; sync the task again with an http or https invokeUrl", task.Name, summarize(err.Error(), maxSummaryChars)),
			cause: err,
		}
	}
	body, err := json.Marshal(struct {
		Args json.RawMessage `json:"args"`
	}{payload})
	if err != nil {
		return nil, &invokeError{msg: fmt.Sprintf("invoke %s: encode args: %v", task.Name, err), cause: err}
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, task.InvokeURL, bytes.NewReader(body))
	if err != nil {
		return nil, &invokeError{msg: fmt.Sprintf("invoke %s: %s", task.Name, summarize(err.Error(), maxSummaryChars)), cause: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.invokeClient.Do(req)
	if err != nil {
		return nil, unreachable(task, err)
	}
	// Closing a body that was not read to its end closes the connection: an
	// answer past the limit is never read further.
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, min(s.cfg.maxBodyBytes, maxTargetErrorBytes)))
		return nil, &invokeError{msg: fmt.Sprintf("invoke %s: target answered %d: %s", task.Name, resp.StatusCode, targetMessage(data))}
	}
	limit := s.cfg.maxBodyBytes
	if resp.ContentLength > limit {
		return nil, &invokeError{msg: fmt.Sprintf("invoke %s: target answer of %d bytes exceeds the limit of %d bytes", task.Name, resp.ContentLength, limit)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &invokeError{msg: fmt.Sprintf("invoke %s: read target answer: %s", task.Name, summarize(err.Error(), maxSummaryChars)), cause: err}
	}
	if int64(len(data)) > limit {
		return nil, &invokeError{msg: fmt.Sprintf("invoke %s: target answer exceeds the limit of %d bytes", task.Name, limit)}
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return json.RawMessage("null"), nil
	}
	if !json.Valid(data) {
		return nil, &invokeError{msg: fmt.Sprintf("invoke %s: target answer is not JSON", task.Name)}
	}
	return json.RawMessage(data), nil
}

// unreachable is the error of an invoke whose request failed: a redirect it
// did not follow, or the cause summarized (without the method and URL
// *url.Error adds, which the task's invoke URL already tells).
func unreachable(task RegisteredTask, err error) error {
	var re *redirectError
	if errors.As(err, &re) {
		return &invokeError{msg: fmt.Sprintf("invoke %s: %v", task.Name, re), cause: err}
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	return &invokeError{msg: fmt.Sprintf("invoke %s: target unreachable: %s", task.Name, summarize(cause.Error(), maxSummaryChars)), cause: err}
}
