package wire

// DownloadPath is the route of POST /api/tasks/download.
const DownloadPath = "/api/tasks/download"

// PublishResponse is the answer of
// POST /api/projects/{projectUuid}/tasks/{taskUuid}/publish: where to PUT
// the bundle.
type PublishResponse struct {
	BundleUploadURL string `json:"bundleUploadUrl"`
}

// DownloadRequest is the body of POST /api/tasks/download: the task uuid.
type DownloadRequest struct {
	UUID string `json:"uuid"`
}
