package hive

import (
	"context"
	"errors"
	"fmt"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// ConfigReport is what TestConfig found out about a configuration.
type ConfigReport struct {
	// Host is the server that was asked.
	Host string
	// Silent is true when the client has no credentials (nothing was asked).
	Silent bool
	// Authenticated is true when the server accepted the credentials.
	Authenticated bool
	// TeamName, TeamUUID and UserName are who the credentials belong to.
	TeamName, TeamUUID, UserName string
	// ProjectUUID is the configured project uuid; empty when none.
	ProjectUUID string
	// ProjectFound is true when the server knows the project.
	ProjectFound bool
	// ProjectName is the project's name on the server.
	ProjectName string
	// KnownTasks are the forge.json tasks the server knows (by uuid, or by
	// name for entries without a uuid), sorted.
	KnownTasks []string
	// UnknownTasks are the forge.json tasks the server does not know, sorted.
	UnknownTasks []string
}

// TestConfig checks the configuration against the server: it verifies the
// credentials with GET /api/me, looks the project up with
// GET /api/projects/{uuid} and sorts forge.json's tasks into those the server
// knows and those it does not. A project the server does not know is
// reported (ProjectFound false), not returned as an error; a client without a
// project uuid skips that step.
//
// The report is returned even with an error, holding what was learnt before
// it. A silent client returns a report with Silent set and ErrSilent; refused
// credentials give an error wrapping ErrUnauthorized.
func (c *LogClient) TestConfig(ctx context.Context) (*ConfigReport, error) {
	r := &ConfigReport{Host: c.s.host, Silent: c.IsSilent(), ProjectUUID: c.s.projectUUID}
	if r.Silent {
		return r, ErrSilent
	}
	var me wire.MeResponse
	if err := c.tr.do(ctx, "GET", "/api/me", nil, nil, &me); err != nil {
		return r, fmt.Errorf("hive: check credentials: %w", err)
	}
	r.Authenticated = true
	r.TeamName, r.TeamUUID, r.UserName = me.Team.Name, me.Team.UUID, me.User.Name
	if r.ProjectUUID == "" {
		r.UnknownTasks = c.s.forge.TaskNames()
		return r, nil
	}
	var p wire.ProjectResponse
	err := c.tr.do(ctx, "GET", "/api/projects/"+esc(r.ProjectUUID), nil, nil, &p)
	switch {
	case errors.Is(err, ErrNotFound):
		r.UnknownTasks = c.s.forge.TaskNames()
		return r, nil
	case err != nil:
		return r, fmt.Errorf("hive: check project: %w", err)
	}
	r.ProjectFound = true
	r.ProjectName = firstNonEmpty(p.Project.ProjectName, p.Project.Name)
	uuids, names := map[string]bool{}, map[string]bool{}
	for _, t := range p.Project.Tasks {
		if t.UUID != "" {
			uuids[t.UUID] = true
		}
		if n := firstNonEmpty(t.Name, t.TaskName); n != "" {
			names[n] = true
		}
	}
	for _, name := range c.s.forge.TaskNames() {
		id := c.s.forge.TaskUUID(name)
		if (id != "" && uuids[id]) || (id == "" && names[name]) {
			r.KnownTasks = append(r.KnownTasks, name)
		} else {
			r.UnknownTasks = append(r.UnknownTasks, name)
		}
	}
	return r, nil
}
