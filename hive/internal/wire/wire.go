// Package wire holds the JSON shapes of the Hive HTTP API that the client
// (package hive) and the server (package hive/server) both speak exactly, so
// each is written once.
package wire

// ErrorBody is the JSON of every error response: {"error","status"}.
type ErrorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// MeResponse is the answer of GET /api/me: the team and user the
// credentials belong to.
type MeResponse struct {
	Team struct {
		Name string `json:"name"`
		UUID string `json:"uuid"`
	} `json:"team"`
	User struct {
		Name string `json:"name"`
	} `json:"user"`
}
