package sqlitestore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
)

func Example() {
	dir, err := os.MkdirTemp("", "hive")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "hive.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	// The store plugs into the Hive server.
	srv := server.New(store, server.WithCredentials("key", "secret"))
	_ = srv

	p, created, err := store.EnsureProject(ctx, server.Project{UUID: "0193f0a0-0000-7000-8000-000000000001", Name: "demo"})
	fmt.Println(p.Name, created, err)
	// Output: demo true <nil>
}
