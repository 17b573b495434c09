package server

import (
	"context"
	"errors"
	"log/slog"

	"github.com/hivetrace/hivetrace/internal/run"

	"github.com/google/uuid"
)

// registry registers the projects and tasks ingested records name, and
// remembers them for the rest of one request, so a batch of records of one
// task registers it once. It is used by one goroutine.
type registry struct {
	s        *Server
	projects map[[2]string]Project        // (uuid as sent, name as sent)
	tasks    map[[3]string]RegisteredTask // (project uuid, task uuid as sent, name)
}

func newRegistry(s *Server) *registry {
	return &registry{s: s, projects: map[[2]string]Project{}, tasks: map[[3]string]RegisteredTask{}}
}

// project returns the project with the uuid, registering it when new.
// Without name it is named LocalName; without uuid its uuid is derived from
// its name.
func (g *registry) project(ctx context.Context, projectUUID, name string) (Project, error) {
	key := [2]string{projectUUID, name}
	if p, ok := g.projects[key]; ok {
		return p, nil
	}
	if name == "" {
		name = LocalName
	}
	if projectUUID == "" {
		projectUUID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("hivetrace:project:"+name)).String()
	}
	p, _, err := g.s.store.EnsureProject(ctx, Project{UUID: projectUUID, Name: name, CreatedAt: g.s.cfg.clock().UTC()})
	if err != nil {
		return Project{}, err
	}
	g.projects[key] = p
	return p, nil
}

// task returns the project's task with the name, registering it when new,
// under taskUUID when that is free and a new uuid otherwise.
func (g *registry) task(ctx context.Context, projectUUID, taskUUID, name string) (RegisteredTask, error) {
	key := [3]string{projectUUID, taskUUID, name}
	if t, ok := g.tasks[key]; ok {
		return t, nil
	}
	s := g.s
	id := taskUUID
	if id == "" {
		id = run.NewUUID()
	}
	t, _, err := s.store.EnsureTask(ctx, RegisteredTask{ProjectUUID: projectUUID, UUID: id, Name: name, CreatedAt: s.cfg.clock().UTC()})
	if errors.Is(err, ErrConflict) {
		s.cfg.logger.WarnContext(ctx, "hive server: task uuid taken by another task; registering under a new uuid",
			slog.String("task", name), slog.String("taskUuid", taskUUID), slog.Any("error", err))
		t, _, err = s.store.EnsureTask(ctx, RegisteredTask{ProjectUUID: projectUUID, UUID: run.NewUUID(), Name: name, CreatedAt: s.cfg.clock().UTC()})
	}
	if err != nil {
		return RegisteredTask{}, err
	}
	g.tasks[key] = t
	return t, nil
}
