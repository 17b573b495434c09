package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

// postgresDatabase is the database the PostgreSQL scenarios store records
// in.
const postgresDatabase = "hive"

// postgres is a private PostgreSQL server on 127.0.0.1, started as pgtest
// starts its servers (initdb with trust authentication for the postgres
// superuser, as the postgres system user when the harness runs as root) but
// durable: fsync and synchronous commits stay on, as in production.
type postgres struct {
	dir  string // data directory, socket and log; outside the working directory, which the postgres user cannot enter
	port int
	proc *child
	keep bool // keep dir (-keep)
}

// startPostgres initdbs a data directory and starts postgres on a free
// port, as a child of the harness, and creates postgresDatabase. The log
// is $dir/postgres.log.
func (h *harness) startPostgres(ctx context.Context) (*postgres, error) {
	bin, err := pgtest.BinDir()
	if err != nil {
		return nil, err
	}
	cred, err := postgresCredential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hivetrace-soak-pg-")
	if err != nil {
		return nil, err
	}
	p := &postgres{dir: dir, keep: h.s.keep}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, errors.Join(err, p.remove())
		}
	}
	logf, err := os.OpenFile(filepath.Join(dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, errors.Join(err, p.remove())
	}
	defer logf.Close() // the children have their own descriptors
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.Env = append(env(), "LANG=C", "LC_ALL=C")
		cmd.Stdout, cmd.Stderr = logf, logf
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	data := filepath.Join(dir, "data")
	if err := command("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale").Run(); err != nil {
		return nil, errors.Join(fmt.Errorf("initdb: %w (log: %s)", err, logf.Name()), p.remove())
	}
	if p.port, err = freePort(); err != nil {
		return nil, errors.Join(err, p.remove())
	}
	cmd := command("postgres", "-D", data, "-h", "127.0.0.1", "-p", strconv.Itoa(p.port), "-k", dir,
		"-c", "max_connections=300", "-c", "shared_buffers=256MB")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // a fast shutdown
	if p.proc, err = h.children.start(cmd); err != nil {
		return nil, errors.Join(fmt.Errorf("start postgres: %w", err), p.remove())
	}
	h.remember("postgres", fmt.Sprintf("initdb -D DIR -U postgres -A trust -E UTF8 --no-locale; postgres -D DIR -h 127.0.0.1 -p PORT -c max_connections=300 -c shared_buffers=256MB (%s; fsync and synchronous_commit on)", bin))
	if err := p.waitReady(ctx); err != nil {
		return nil, errors.Join(err, p.close())
	}
	conn, err := pgx.Connect(ctx, p.dsn("postgres"))
	if err == nil {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+postgresDatabase)
		err = errors.Join(err, conn.Close(ctx))
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("create database %s: %w", postgresDatabase, err), p.close())
	}
	return p, nil
}

// postgresCredential returns the postgres system user's credential when
// the harness runs as root (initdb refuses root), else nil.
func postgresCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and initdb refuses root: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// waitReady polls until postgres accepts connections, for at most a minute.
func (p *postgres) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		conn, err := pgx.Connect(cctx, p.dsn("postgres"))
		if err == nil {
			err = conn.Close(cctx)
		}
		cancel()
		switch {
		case err == nil:
			return nil
		case p.proc.exited():
			return fmt.Errorf("postgres exited before accepting connections: %v (log: %s)", p.proc.err, p.log())
		case time.Now().After(deadline) || ctx.Err() != nil:
			return fmt.Errorf("postgres not accepting connections: %w (log: %s)", err, p.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dsn is the URL of database db, as the superuser.
func (p *postgres) dsn(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, db)
}

// log is the path of the server's log.
func (p *postgres) log() string { return filepath.Join(p.dir, "postgres.log") }

// storedRecords counts the records of task in postgresDatabase.
func (p *postgres) storedRecords(ctx context.Context, task string) (int64, error) {
	conn, err := pgx.Connect(ctx, p.dsn(postgresDatabase))
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, "SELECT count(*) FROM logs WHERE task_name = $1", task).Scan(&n)
	return n, err
}

// close stops postgres (a fast shutdown, then SIGKILL) and removes its
// directory.
func (p *postgres) close() error {
	if p.proc != nil {
		if err := p.proc.signal(os.Interrupt, 30*time.Second); err != nil {
			_ = p.proc.kill(5 * time.Second)
		}
	}
	return p.remove()
}

// remove deletes the server's directory, unless it is to be kept.
func (p *postgres) remove() error {
	if p.keep {
		return nil
	}
	return os.RemoveAll(p.dir)
}
