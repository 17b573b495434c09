package pgstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hivetrace/hivetrace/hive/server"
)

// Statements on bundles.
const (
	bundleColumns = `project_uuid, task_uuid, metadata, data, published_at, uploaded_at`
	// publishBundle replaces the task's bundle: a publish forgets the
	// bytes uploaded after the previous one.
	publishBundle = `INSERT INTO bundles (project_uuid, task_uuid, metadata, data, published_at, uploaded_at)
VALUES ($1, $2, $3, NULL, $4, 0)
ON CONFLICT (project_uuid, task_uuid) DO UPDATE SET metadata = excluded.metadata, data = NULL,
	published_at = excluded.published_at, uploaded_at = 0`
	uploadBundle    = `UPDATE bundles SET data = $1, uploaded_at = $2 WHERE project_uuid = $3 AND task_uuid = $4`
	selectBundle    = `SELECT ` + bundleColumns + ` FROM bundles WHERE project_uuid = $1 AND task_uuid = $2`
	selectBundleAny = `SELECT ` + bundleColumns + ` FROM bundles WHERE task_uuid = $1 ORDER BY project_uuid LIMIT 2`
)

// PublishBundle implements server.Store.
func (s *Store) PublishBundle(ctx context.Context, b server.Bundle) error {
	_, err := s.pool.Exec(ctx, publishBundle, b.ProjectUUID, b.TaskUUID, []byte(b.Metadata), nanos(s.stamp(b.PublishedAt)))
	return wrap("publish bundle", err)
}

// UploadBundle implements server.Store.
func (s *Store) UploadBundle(ctx context.Context, projectUUID, taskUUID string, data []byte, at time.Time) error {
	if data == nil {
		data = []byte{}
	}
	tag, err := s.pool.Exec(ctx, uploadBundle, data, nanos(s.stamp(at)), projectUUID, taskUUID)
	if err == nil && tag.RowsAffected() == 0 {
		err = fmt.Errorf("task %q of project %q has not been published: %w", taskUUID, projectUUID, server.ErrNotStored)
	}
	return wrap("upload bundle", err)
}

// GetBundle implements server.Store.
func (s *Store) GetBundle(ctx context.Context, projectUUID, taskUUID string) (server.Bundle, error) {
	query, args := selectBundle, []any{projectUUID, taskUUID}
	if projectUUID == "" {
		query, args = selectBundleAny, []any{taskUUID}
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return server.Bundle{}, wrap("get bundle", err)
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (server.Bundle, error) {
		var b server.Bundle
		var metadata, data []byte
		var published, uploaded int64
		if err := row.Scan(&b.ProjectUUID, &b.TaskUUID, &metadata, &data, &published, &uploaded); err != nil {
			return server.Bundle{}, err
		}
		b.Metadata, b.PublishedAt = metadata, fromNanos(published)
		if uploaded != 0 {
			b.Data, b.UploadedAt = append([]byte{}, data...), fromNanos(uploaded)
		}
		return b, nil
	})
	if err != nil {
		return server.Bundle{}, wrap("get bundle", err)
	}
	b, err := server.ResolveBundle(projectUUID, taskUUID, found)
	return b, wrap("get bundle", err)
}

// FindLogs implements server.Store; it reads the index on logs(uuid).
func (s *Store) FindLogs(ctx context.Context, projectUUID, uuid string, limit int) ([]server.StoredLog, error) {
	query := `SELECT ` + logColumns + logFrom + `WHERE l.uuid = $1`
	args := []any{uuid}
	if projectUUID != "" {
		args = append(args, projectUUID)
		query += ` AND l.project_uuid = $` + strconv.Itoa(len(args))
	}
	query += ` ORDER BY l.project_uuid, l.task_name`
	if limit > 0 {
		args = append(args, limit)
		query += ` LIMIT $` + strconv.Itoa(len(args))
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("find logs", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (server.StoredLog, error) { return scanLog(row) })
	if err != nil {
		return nil, wrap("find logs", err)
	}
	if out == nil {
		out = []server.StoredLog{}
	}
	return out, nil
}

// DescribeTask implements server.Store.
func (s *Store) DescribeTask(ctx context.Context, projectUUID, taskUUID, description string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE tasks SET description = $1 WHERE project_uuid = $2 AND uuid = $3`, description, projectUUID, taskUUID)
	if err == nil && tag.RowsAffected() == 0 {
		err = fmt.Errorf("task %q in project %q: %w", taskUUID, projectUUID, server.ErrNotStored)
	}
	return wrap("describe task", err)
}
