package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// newFlagSet returns a silent FlagSet: run reports parse errors itself.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses flags wherever they appear among the positional
// arguments, which it returns in order. A secret passed as a flag value
// (--api-secret) is refused before anything is parsed.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := refuseSecretFlag(fs, args); err != nil {
		return nil, err
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseOrUsage parses args; on -h/--help it prints the command's usage to
// stdout, and on a bad flag it reports the problem on stderr. ok is false
// when the command must stop, with the exit code to return.
func parseOrUsage(fs *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	pos, err := parseArgs(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout, usage, fs)
		return nil, exitOK, false
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v\nRun \"%s --help\" for usage.\n", fs.Name(), err, fs.Name())
		return nil, exitUsage, false
	}
	return pos, exitOK, true
}

// parseFlagsOnly is parseOrUsage for a command that takes flags only: any
// other argument is a usage error.
func parseFlagsOnly(fs *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (code int, ok bool) {
	pos, code, ok := parseOrUsage(fs, args, usage, stdout, stderr)
	if ok && len(pos) > 0 {
		return usageError(stderr, fs.Name(), "unexpected arguments %q", pos), false
	}
	return code, ok
}

// usageError reports a command-line problem and returns exitUsage.
func usageError(stderr io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(stderr, "%s: %s\nRun \"%s --help\" for usage.\n", cmd, fmt.Sprintf(format, args...), cmd)
	return exitUsage
}

// flagOrEnv returns the flag's value when it was given, else the
// environment variable name.
func flagOrEnv(value, name string) string {
	if value != "" {
		return value
	}
	return os.Getenv(name)
}
