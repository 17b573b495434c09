package pgstore_test

import (
	"context"
	"fmt"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/pgstore"
)

// Example opens a store and plugs it into the Hive server. It needs a
// PostgreSQL database, so it is compiled but not run.
func Example() {
	ctx := context.Background()
	store, err := pgstore.Open(ctx, "postgres://hive@127.0.0.1:5432/hive?sslmode=disable", pgstore.WithMaxConns(8))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	srv := server.New(store, server.WithCredentials("key", "secret"))
	_ = srv

	p, _, err := store.EnsureProject(ctx, server.Project{UUID: "0193f0a0-0000-7000-8000-000000000001", Name: "demo"})
	fmt.Println(p.Name, err)
}
