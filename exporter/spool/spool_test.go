package spool_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/exporter/spool"
)

func entries(prefix string, n, size int) []spool.Entry {
	out := make([]spool.Entry, n)
	for i := range out {
		out[i] = spool.Entry{ID: fmt.Sprintf("%s-%03d", prefix, i), Data: []byte(strings.Repeat("x", size))}
	}
	return out
}

func ids(es []spool.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestPutReadRemoveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := spool.Open(ctx, dir)
	require.NoError(t, err)
	in := entries("a", 5, 10)
	n, err := s.Put(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	n, err = s.Put(ctx, in[:2]) // the same ids again: stored already, not twice
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	count, bytes := s.Len()
	assert.Equal(t, 5, count)
	assert.Equal(t, int64(50), bytes)

	last, err := s.Last(ctx)
	require.NoError(t, err)
	got, next, err := s.Oldest(ctx, 0, 3)
	require.NoError(t, err)
	assert.Equal(t, ids(in[:3]), ids(got), "oldest first")
	rest, end, err := s.Oldest(ctx, next, 10)
	require.NoError(t, err)
	assert.Equal(t, ids(in[3:]), ids(rest), "the cursor pages on")
	assert.Equal(t, last, end, "Last is the cursor of the newest entry")

	require.NoError(t, s.Remove(ctx, []string{in[0].ID, in[2].ID, "unknown"}))
	count, bytes = s.Len()
	assert.Equal(t, 3, count)
	assert.Equal(t, int64(30), bytes)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close twice")
	_, err = s.Put(ctx, in)
	require.ErrorIs(t, err, spool.ErrClosed)

	s, err = spool.Open(ctx, dir)
	require.NoError(t, err)
	defer s.Close()
	count, bytes = s.Len()
	assert.Equal(t, 3, count, "what was spooled survives a reopen")
	assert.Equal(t, int64(30), bytes)
	got, _, err = s.Oldest(ctx, 0, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{in[1].ID, in[3].ID, in[4].ID}, ids(got))
	assert.Equal(t, in[1].Data, got[0].Data)
}

func TestPutStopsAtTheByteBound(t *testing.T) {
	ctx := context.Background()
	s, err := spool.Open(ctx, t.TempDir(), spool.WithMaxBytes(100))
	require.NoError(t, err)
	defer s.Close()
	n, err := s.Put(ctx, entries("a", 8, 30))
	require.NoError(t, err)
	assert.Equal(t, 3, n, "three 30-byte entries fit in 100 bytes")
	require.NoError(t, s.Remove(ctx, []string{"a-000"}))
	n, err = s.Put(ctx, entries("b", 2, 30))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "removing frees room")
	count, bytes := s.Len()
	assert.Equal(t, 3, count)
	assert.Equal(t, int64(90), bytes)
}

func TestOpenRefusesAnEmptyDirectory(t *testing.T) {
	_, err := spool.Open(context.Background(), " ")
	require.Error(t, err)
}

func TestConcurrentPutAndRemove(t *testing.T) {
	ctx := context.Background()
	s, err := spool.Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			es := entries(fmt.Sprint("g", g), 50, 8)
			_, err := s.Put(ctx, es)
			assert.NoError(t, err)
			assert.NoError(t, s.Remove(ctx, ids(es[:25])))
		}()
	}
	wg.Wait()
	count, bytes := s.Len()
	assert.Equal(t, 100, count)
	assert.Equal(t, int64(800), bytes)
}

// TestPutSurvivesKill: a child process puts entries and is killed with
// SIGKILL right after Put returns; every entry it reported is there.
func TestPutSurvivesKill(t *testing.T) {
	if os.Getenv("SPOOL_KILL_CHILD") != "" {
		s, err := spool.Open(context.Background(), os.Getenv("SPOOL_KILL_CHILD"))
		if err != nil {
			os.Exit(3)
		}
		for i := 0; ; i++ {
			if _, err := s.Put(context.Background(), entries(fmt.Sprint("k", i), 10, 100)); err != nil {
				os.Exit(4)
			}
			fmt.Println(i) // reported only after the Put committed
		}
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPutSurvivesKill$")
	cmd.Env = append(os.Environ(), "SPOOL_KILL_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	buf := make([]byte, 0, 4096)
	last := -1
	for last < 20 {
		chunk := make([]byte, 512)
		n, err := out.Read(chunk)
		require.NoError(t, err)
		buf = append(buf, chunk[:n]...)
		lines := strings.Split(strings.TrimSpace(string(buf)), "\n")
		if len(lines) > 1 {
			fmt.Sscan(lines[len(lines)-2], &last)
		}
	}
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()

	s, err := spool.Open(context.Background(), dir)
	require.NoError(t, err)
	defer s.Close()
	count, _ := s.Len()
	assert.GreaterOrEqual(t, count, 10*(last+1), "every Put that returned before the kill is on disk")
	assert.FileExists(t, filepath.Join(dir, spool.FileName))
}
