package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// DefaultMaxBundleBytes is the largest task bundle accepted (25 MiB, Forge
// Hive's limit).
const DefaultMaxBundleBytes = 25 << 20

// publishFields are the members of a publish body the server reads; the
// body is stored whole as the bundle's metadata.
type publishFields struct {
	TaskName    string          `json:"taskName"`
	Description string          `json:"description"`
	BundleSize  json.RawMessage `json:"bundleSize"`
}

// handlePublish stores the metadata of a task's publish and answers where to
// upload its bundle: POST /api/projects/{projectUuid}/tasks/{taskUuid}/publish.
//
// The body is the JSON object the forge CLI sends (taskName, handler,
// description, schemaDescriptor, boundaries, sourceCode, bundleSize,
// fingerprint, …), kept as sent. A task the project does not know is
// registered when the body names it (taskName); otherwise it is answered
// 404. A bundleSize over the bundle limit (WithMaxBundleBytes) is answered
// 413 before anything is stored. The answer is {"bundleUploadUrl"}: the
// absolute URL of PUT /api/projects/{projectUuid}/tasks/{taskUuid}/bundle
// on this server (WithPublicURL, else the request's scheme and host),
// signed for an hour: the forge CLI uploads to it without credentials, as
// to a presigned storage URL, so the signature (expires, signature query
// parameters, an HMAC keyed by the API secret) authorizes that one upload.
func (s *Server) handlePublish(w http.ResponseWriter, r *http.Request) {
	projectUUID, taskUUID, err := taskPath(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	data, err := readBody(w, r, s.cfg.maxBodyBytes, "a JSON object")
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	var f publishFields
	if err := json.Unmarshal(data, &f); err != nil || !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		msg := "expected a JSON object"
		if err != nil {
			msg = describeJSONError(err)
		}
		s.respondError(w, r, errorf(http.StatusBadRequest, "malformed JSON body: %s", msg))
		return
	}
	if err := s.checkBundleSize(f.BundleSize); err != nil {
		s.respondError(w, r, err)
		return
	}
	ctx := r.Context()
	if _, err := s.store.GetTask(ctx, projectUUID, taskUUID); errors.Is(err, ErrNotStored) && f.TaskName != "" {
		if err := checkName("taskName", f.TaskName); err != nil {
			s.respondError(w, r, err)
			return
		}
		if err := checkRoutable("taskName", f.TaskName); err != nil {
			s.respondError(w, r, err)
			return
		}
		now := s.cfg.clock().UTC()
		if _, _, err := s.store.EnsureProject(ctx, Project{UUID: projectUUID, Name: LocalName, CreatedAt: now}); err != nil {
			s.respondError(w, r, err)
			return
		}
		if _, err := s.store.PutTask(ctx, RegisteredTask{
			ProjectUUID: projectUUID, UUID: taskUUID, Name: f.TaskName, Description: f.Description, CreatedAt: now,
		}); err != nil {
			s.respondError(w, r, err)
			return
		}
	} else if errors.Is(err, ErrNotStored) {
		s.respondError(w, r, errorf(http.StatusNotFound,
			"task %q is not registered in project %q: sync the project first or send taskName", taskUUID, projectUUID))
		return
	} else if err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := s.store.PublishBundle(ctx, Bundle{
		ProjectUUID: projectUUID, TaskUUID: taskUUID, Metadata: data, PublishedAt: s.cfg.clock().UTC(),
	}); err != nil {
		s.respondError(w, r, err)
		return
	}
	path := "/api/projects/" + url.PathEscape(projectUUID) + "/tasks/" + url.PathEscape(taskUUID) + "/bundle"
	upload := s.baseURL(r) + path
	if q := s.signUploadPath(path); q != "" {
		upload += "?" + q
	}
	writeJSON(w, http.StatusOK, wire.PublishResponse{BundleUploadURL: upload})
}

// checkBundleSize refuses a publish announcing a bundle over the limit, in
// the words Forge Hive's CLI looks for ("Bundle size").
func (s *Server) checkBundleSize(raw json.RawMessage) error {
	var n float64
	if len(raw) == 0 || json.Unmarshal(raw, &n) != nil {
		return nil // absent or not a number: the upload is bounded anyway
	}
	if n > float64(s.cfg.maxBundleBytes) {
		return errorf(http.StatusRequestEntityTooLarge, "Bundle size of %.0f bytes exceeds the limit of %d bytes", n, s.cfg.maxBundleBytes)
	}
	return nil
}

// baseURL is the scheme and host bundle upload URLs start with.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.publicURL != "" {
		return s.cfg.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			host = addr.String()
		}
	}
	return scheme + "://" + host
}

// handleUploadBundle stores the bytes of a published task's bundle:
// PUT /api/projects/{projectUuid}/tasks/{taskUuid}/bundle, the body being
// the bundle (any content type), authorized by the Authorization header or
// by the signature of the URL a publish answered. A body over the bundle
// limit is answered 413; a task that was not published, 404. The answer is
// {"success":true,"bundleSize":n}.
func (s *Server) handleUploadBundle(w http.ResponseWriter, r *http.Request) {
	projectUUID, taskUUID, err := taskPath(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	limit := s.cfg.maxBundleBytes
	if r.ContentLength > limit {
		s.respondError(w, r, errorf(http.StatusRequestEntityTooLarge, "Bundle size of %d bytes exceeds the limit of %d bytes", r.ContentLength, limit))
		return
	}
	data, err := readAllSized(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			s.respondError(w, r, errorf(http.StatusRequestEntityTooLarge, "Bundle exceeds the limit of %d bytes", limit))
			return
		}
		s.respondError(w, r, errorf(http.StatusBadRequest, "read bundle: %v", err))
		return
	}
	if err := s.store.UploadBundle(r.Context(), projectUUID, taskUUID, data, s.cfg.clock().UTC()); err != nil {
		s.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "bundleSize": len(data)})
}

// taskPath reads and checks the projectUuid and taskUuid path values.
func taskPath(r *http.Request) (projectUUID, taskUUID string, err error) {
	projectUUID, taskUUID = r.PathValue("projectUuid"), r.PathValue("taskUuid")
	if err := checkID("projectUuid", projectUUID, false); err != nil {
		return "", "", err
	}
	if err := checkID("taskUuid", taskUUID, false); err != nil {
		return "", "", err
	}
	return projectUUID, taskUUID, nil
}

// handleDownload answers a published task: POST /api/tasks/download with
// {"uuid"} (the task uuid; "projectUuid" in the body or the query narrows
// the lookup to one project). The answer is the publish metadata as the
// forge CLI sent it ({"handler","sourceCode",…}, which task:download reads)
// with the server's members set over it: "uuid" and "projectUuid" (the
// task's), "publishedAt", "uploadedAt" (null before the upload) and
// "bundle", the uploaded bundle in standard base64 (null before the
// upload). A uuid published in several projects is answered 409, one never
// published 404.
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	var req struct {
		UUID        string `json:"uuid"`
		ProjectUUID string `json:"projectUuid"`
	}
	if err := decodeBody(w, r, s.cfg.maxBodyBytes, &req); err != nil {
		s.respondError(w, r, err)
		return
	}
	if req.ProjectUUID == "" {
		req.ProjectUUID = r.URL.Query().Get("projectUuid")
	}
	if err := checkID("uuid", req.UUID, false); err != nil {
		s.respondError(w, r, err)
		return
	}
	if err := checkID("projectUuid", req.ProjectUUID, true); err != nil {
		s.respondError(w, r, err)
		return
	}
	b, err := s.store.GetBundle(r.Context(), req.ProjectUUID, req.UUID)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	out, err := downloadAnswer(b)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// downloadAnswer merges a bundle's metadata and the server's members.
func downloadAnswer(b Bundle) (map[string]any, error) {
	meta := map[string]json.RawMessage{}
	if err := json.Unmarshal(b.Metadata, &meta); err != nil {
		return nil, fmt.Errorf("stored metadata of the bundle of task %q is not a JSON object: %w", b.TaskUUID, err)
	}
	out := make(map[string]any, len(meta)+5)
	for k, v := range meta {
		out[k] = v
	}
	out["uuid"] = b.TaskUUID
	out["projectUuid"] = b.ProjectUUID
	out["publishedAt"] = formatTime(b.PublishedAt)
	out["uploadedAt"], out["bundle"] = nil, nil
	if b.Data != nil {
		out["uploadedAt"] = formatTime(b.UploadedAt)
		out["bundle"] = b.Data // encoding/json writes []byte in standard base64
	}
	return out, nil
}
