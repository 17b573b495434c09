package server

import (
	"net/http"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// handleMe answers GET /api/me with the configured team and user: a client
// calls it to check its credentials.
func (s *Server) handleMe(w http.ResponseWriter, _ *http.Request) {
	var resp wire.MeResponse
	resp.Team.Name, resp.Team.UUID = s.cfg.teamName, s.cfg.teamUUID
	resp.User.Name = s.cfg.userName
	writeJSON(w, http.StatusOK, resp)
}
