package server

import "net/http"

type meResponse struct {
	Team struct {
		Name string `json:"name"`
		UUID string `json:"uuid"`
	} `json:"team"`
	User struct {
		Name string `json:"name"`
	} `json:"user"`
}

// handleMe answers GET /api/me with the configured team and user: a client
// calls it to check its credentials.
func (s *Server) handleMe(w http.ResponseWriter, _ *http.Request) {
	var resp meResponse
	resp.Team.Name, resp.Team.UUID = s.cfg.teamName, s.cfg.teamUUID
	resp.User.Name = s.cfg.userName
	writeJSON(w, http.StatusOK, resp)
}
