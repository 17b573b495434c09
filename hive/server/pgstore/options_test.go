package pgstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

func TestPoolSize(t *testing.T) {
	srv := pgtest.Shared(t)
	if srv == nil {
		t.SkipNow()
	}
	dsn := srv.NewDatabase(t)
	for _, c := range []struct {
		name string
		dsn  string
		opts []Option
		want int32
	}{
		{"option", dsn, []Option{WithMaxConns(3)}, 3},
		{"dsn", dsn + "&pool_max_conns=5", nil, 5},
		{"option over dsn", dsn + "&pool_max_conns=5", []Option{WithMaxConns(2)}, 2},
		{"ignored option", dsn + "&pool_max_conns=5", []Option{WithMaxConns(0)}, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(context.Background(), c.dsn, c.opts...)
			require.NoError(t, err)
			defer func() { assert.NoError(t, s.Close()) }()
			assert.Equal(t, c.want, s.pool.Config().MaxConns)
		})
	}
}
