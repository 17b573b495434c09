package runner

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagSet is a command's flags with its usage text.
type flagSet struct {
	*flag.FlagSet
	asJSON bool
}

// newFlagSet returns the flags of command name of r, with --json; synopsis
// is the command's argument line and about what it does.
func (r *Runner) newFlagSet(name, synopsis, about string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(r.cfg.name+" "+name, flag.ContinueOnError)}
	fs.SetOutput(io.Discard)
	fs.BoolVar(&fs.asJSON, "json", false, "write the result as JSON")
	fs.Usage = func() {
		w := r.cfg.stdout
		fmt.Fprintf(w, "Usage: %s %s %s\n\n%s\n\nFlags:\n", r.cfg.name, name, synopsis, about)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses args, flags and positional arguments in any order ("--"
// ends the flags), and returns the positional ones. -h prints the usage
// (Parse calls fs.Usage) and returns errHelp; a bad flag is a usage error.
func (fs *flagSet) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) { // Parse printed the usage
				return nil, errHelp
			}
			return nil, usageErrorf("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// modeFlags is the repeatable --mode name=mode flag.
type modeFlags []string

func (m *modeFlags) String() string { return strings.Join(*m, ",") }

func (m *modeFlags) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*m = append(*m, s)
		}
	}
	return nil
}
