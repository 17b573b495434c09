package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/hivetrace/hivetrace/exporter/spool"
)

// madeRun is one task run as the producer wrote it.
type madeRun struct {
	id      string
	start   int64         // Unix nanoseconds
	latency time.Duration // SafeRun's wall time
}

// readRuns reads a producer's out file: one "<uuid> <start ns> <latency ns>"
// line per run. A line cut short (the producer was killed while writing it)
// is skipped.
func readRuns(path string) ([]madeRun, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseRuns(f)
}

func parseRuns(r io.Reader) ([]madeRun, error) {
	var runs []madeRun
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := bytes.Fields(sc.Bytes())
		if len(fields) != 3 {
			continue
		}
		start, err1 := strconv.ParseInt(string(fields[1]), 10, 64)
		lat, err2 := strconv.ParseInt(string(fields[2]), 10, 64)
		if err1 != nil || err2 != nil || len(fields[0]) != 36 {
			continue
		}
		runs = append(runs, madeRun{id: string(fields[0]), start: start, latency: time.Duration(lat)})
	}
	return runs, sc.Err()
}

// storedRecords reads the uuid and the storage time (Unix nanoseconds) of
// every record in a hive serve SQLite database. hive serve must not be
// running.
func storedRecords(ctx context.Context, db string) (map[string]int64, error) {
	out := make(map[string]int64)
	err := query(ctx, db, `SELECT uuid, created_at FROM logs`, func(rows *sql.Rows) error {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return err
		}
		out[id] = at
		return nil
	})
	return out, err
}

// errNoSpool is returned by spooledIDs when the spool directory holds no
// spool database.
var errNoSpool = errors.New("no spool database")

// spooledIDs copies the spool database in dir (with its write-ahead log)
// into snapshot, so the copy holds what had been committed, and returns the
// record ids in the copy.
func spooledIDs(ctx context.Context, dir, snapshot string) (map[string]struct{}, error) {
	src := filepath.Join(dir, spool.FileName)
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", errNoSpool, dir)
	}
	if err := os.MkdirAll(snapshot, 0o700); err != nil {
		return nil, err
	}
	dst := filepath.Join(snapshot, spool.FileName)
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(src+suffix, dst+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	out := make(map[string]struct{})
	err := query(ctx, dst, `SELECT id FROM entries`, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = struct{}{}
		return nil
	})
	return out, err
}

// query runs q on the SQLite database at path and calls row for each row.
func query(ctx context.Context, path, q string, row func(*sql.Rows) error) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
