package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

// Statements on bundles.
const (
	bundleColumns = `project_uuid, task_uuid, metadata, data, published_at, uploaded_at`
	// publishBundle replaces the task's bundle: a publish forgets the
	// bytes uploaded after the previous one.
	publishBundle = `INSERT INTO bundles (project_uuid, task_uuid, metadata, data, published_at, uploaded_at)
VALUES (?, ?, CAST(? AS TEXT), NULL, ?, 0)
ON CONFLICT (project_uuid, task_uuid) DO UPDATE SET metadata = excluded.metadata, data = NULL,
	published_at = excluded.published_at, uploaded_at = 0`
	uploadBundle    = `UPDATE bundles SET data = ?, uploaded_at = ? WHERE project_uuid = ? AND task_uuid = ?`
	selectBundle    = `SELECT ` + bundleColumns + ` FROM bundles WHERE project_uuid = ? AND task_uuid = ?`
	selectBundleAny = `SELECT ` + bundleColumns + ` FROM bundles WHERE task_uuid = ? ORDER BY project_uuid LIMIT 2`
)

// PublishBundle implements server.Store.
func (s *Store) PublishBundle(ctx context.Context, b server.Bundle) error {
	at := s.stamp(b.PublishedAt)
	return wrap("publish bundle", s.w.do(ctx, func(tx *wtx) error {
		_, err := tx.exec(publishBundle, b.ProjectUUID, b.TaskUUID, []byte(b.Metadata), nanos(at))
		return err
	}))
}

// UploadBundle implements server.Store.
func (s *Store) UploadBundle(ctx context.Context, projectUUID, taskUUID string, data []byte, at time.Time) error {
	if data == nil {
		data = []byte{}
	}
	stamp := s.stamp(at)
	return wrap("upload bundle", s.w.do(ctx, func(tx *wtx) error {
		res, err := tx.exec(uploadBundle, data, nanos(stamp), projectUUID, taskUUID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("task %q of project %q has not been published: %w", taskUUID, projectUUID, server.ErrNotStored)
		}
		return nil
	}))
}

// GetBundle implements server.Store.
func (s *Store) GetBundle(ctx context.Context, projectUUID, taskUUID string) (server.Bundle, error) {
	query, args := selectBundle, []any{projectUUID, taskUUID}
	if projectUUID == "" {
		query, args = selectBundleAny, []any{taskUUID}
	}
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return server.Bundle{}, wrap("get bundle", err)
	}
	defer rows.Close()
	var found []server.Bundle
	for rows.Next() {
		var b server.Bundle
		var metadata string
		var data []byte
		var published, uploaded int64
		if err := rows.Scan(&b.ProjectUUID, &b.TaskUUID, &metadata, &data, &published, &uploaded); err != nil {
			return server.Bundle{}, wrap("get bundle", err)
		}
		b.Metadata = []byte(metadata)
		if uploaded != 0 {
			b.Data = append([]byte{}, data...)
			b.UploadedAt = fromNanos(uploaded)
		}
		b.PublishedAt = fromNanos(published)
		found = append(found, b)
	}
	if err := rows.Err(); err != nil {
		return server.Bundle{}, wrap("get bundle", err)
	}
	b, err := server.ResolveBundle(projectUUID, taskUUID, found)
	return b, wrap("get bundle", err)
}

// FindLogs implements server.Store; it reads the index on logs(uuid).
func (s *Store) FindLogs(ctx context.Context, projectUUID, uuid string, limit int) ([]server.StoredLog, error) {
	query := `SELECT ` + logColumns + logFrom + `WHERE l.uuid = ?`
	args := []any{uuid}
	if projectUUID != "" {
		query += ` AND l.project_uuid = ?`
		args = append(args, projectUUID)
	}
	query += ` ORDER BY l.project_uuid, l.task_name`
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("find logs", err)
	}
	defer rows.Close()
	out := []server.StoredLog{}
	for rows.Next() {
		e, err := scanLog(rows)
		if err != nil {
			return nil, wrap("find logs", err)
		}
		out = append(out, e)
	}
	return out, wrap("find logs", rows.Err())
}

// DescribeTask implements server.Store.
func (s *Store) DescribeTask(ctx context.Context, projectUUID, taskUUID, description string) error {
	return wrap("describe task", s.w.do(ctx, func(tx *wtx) error {
		res, err := tx.exec(`UPDATE tasks SET description = ? WHERE project_uuid = ? AND uuid = ?`, description, projectUUID, taskUUID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("task %q in project %q: %w", taskUUID, projectUUID, server.ErrNotStored)
		}
		return nil
	}))
}
