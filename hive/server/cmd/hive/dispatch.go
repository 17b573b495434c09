package main

import (
	"context"
	"fmt"
	"io"
)

// subcommand runs one command of a group ("list" of "hive logs") with the
// arguments after its name, and returns the exit code.
type subcommand func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// dispatch runs the command of the group named group that args[0] names,
// among subs. No command, or one the group lacks, prints usage to stderr
// and exits with exitUsage; help prints it to stdout.
func dispatch(ctx context.Context, group, usage string, subs map[string]subcommand, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	run, ok := subs[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown command %q\n\n%s", group, args[0], usage)
		return exitUsage
	}
	return run(ctx, args[1:], stdout, stderr)
}
