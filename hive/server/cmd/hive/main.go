// Command hive serves a local Hive-compatible API backed by a SQLite file or
// a PostgreSQL database, lists the tasks and execution records stored there,
// and rebuilds records from traces kept in Jaeger.
//
//	hive serve [--addr 127.0.0.1:8080] [--db ./hive.db] [--api-key K --api-secret-file FILE]
//	hive tasks list [--project P] [--since T] [--until T] [--json]
//	hive logs list --task NAME [--type success|error] [--since T] [--until T] [--min-quality S]
//	               [--limit N] [--before CURSOR | --all] [--json]
//	hive logs show TASK UUID [--json]
//	hive fixture download UUID [--project P] [-o FILE]
//	hive rebuild --jaeger http://127.0.0.1:16686 --trace TRACE_ID [--send]
//	hive rebuild --jaeger http://127.0.0.1:16686 --service NAME --since 2h [--until T] [--send]
//	hive version
//
// Times (--since, --until) are RFC 3339 times or durations before now (90m,
// 2h, 7d). The read commands write JSON with --json: tasks list an array,
// logs list one record a line (the next page's command then goes to
// stderr), logs show the record. A failure is reported on one line on
// stderr with exit status 1; a wrong command line exits with 2.
//
// The API key comes from --api-key or HIVE_API_KEY. The API secret is never
// a flag value, which anyone who can list processes could read: it comes from
// the file --api-secret-file names (a trailing newline is ignored), from
// HIVE_API_SECRET, or from the file HIVE_API_SECRET_FILE names; --api-secret
// is refused with a usage error. "hive serve" throttles failed authentication
// attempts per remote address and per key (--auth-max-failures, --auth-window,
// --auth-block).
//
// Run "hive help" for the details of each command.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // the command line is wrong
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args (without the program name) and returns the
// exit code. Long-running commands stop when ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "logs":
		return runLogs(ctx, rest, stdout, stderr)
	case "tasks":
		return runTasks(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		return runVersion(rest, stdout, stderr)
	case "rebuild":
		return runRebuild(ctx, rest, stdout, stderr)
	case "fixture":
		return runFixture(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		return runHelp(rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "hive: unknown command %q\n\n%s", cmd, mainUsage)
		return exitUsage
	}
}

// runHelp prints the help of the command named by args, or the overview.
func runHelp(args []string, stdout, stderr io.Writer) int {
	var cmd string
	if len(args) > 0 {
		cmd = args[0]
		if (cmd == "logs" || cmd == "fixture" || cmd == "tasks") && len(args) > 1 {
			cmd += " " + args[1]
		}
	}
	switch cmd {
	case "":
		fmt.Fprint(stdout, mainUsage)
	case "serve":
		printUsage(stdout, serveUsage, newServeFlags(&serveOptions{}))
	case "logs":
		fmt.Fprint(stdout, logsUsage)
	case "logs list":
		printUsage(stdout, listUsage, newListFlags(&listOptions{}))
	case "logs show":
		printUsage(stdout, showUsage, newShowFlags(&showOptions{}))
	case "tasks":
		fmt.Fprint(stdout, tasksUsage)
	case "tasks list":
		printUsage(stdout, tasksListUsage, newTasksListFlags(&tasksListOptions{}))
	case "version":
		fmt.Fprint(stdout, versionUsage)
	case "rebuild":
		printUsage(stdout, rebuildUsage, newRebuildFlags(&rebuildOptions{}))
	case "fixture":
		fmt.Fprint(stdout, fixtureUsage)
	case "fixture download":
		printUsage(stdout, fixtureDownloadUsage, newFixtureFlags(&fixtureOptions{}))
	default:
		fmt.Fprintf(stderr, "hive help: unknown command %q\n\n%s", cmd, mainUsage)
		return exitUsage
	}
	return exitOK
}
