package main

import (
	"fmt"
	"os"

	"github.com/hivetrace/hivetrace/runner"
)

func main() {
	a, _, err := newService(os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(runner.ExitFailure)
	}
	// The database is in memory: the process's exit releases it.
	runner.Main(a.runner)
}
