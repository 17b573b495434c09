package wire

// DownloadPath is the route of POST /api/tasks/download.
const DownloadPath = "/api/tasks/download"

// PublishResponse is the answer of
// POST /api/projects/{projectUuid}/tasks/{taskUuid}/publish: where to PUT
// the bundle.
type PublishResponse struct {
	// BundleUploadURL is the absolute URL to PUT the bundle to.
	BundleUploadURL string `json:"bundleUploadUrl"`
}

// DownloadRequest is the body of POST /api/tasks/download: the task uuid.
type DownloadRequest struct {
	// UUID is the uuid of the published task.
	UUID string `json:"uuid"`
}
