package tasktest

import (
	"context"
	"maps"

	"github.com/hivetrace/hivetrace/boundary"
)

// Option configures Run and Check.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	ignore []*jsonPath
	errs   []error
	all    boundary.Mode
	modes  map[string]boundary.Mode
	update *bool // nil: the -update flag
	ctx    context.Context
}

func newConfig(opts []Option) config {
	c := config{all: boundary.Replay}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// Ignore leaves the nodes the JSON paths select out of the comparison. A
// path applies to the compared document {"type","output","error"} and is
// written $ followed by steps: .name or ['name'] for an object member, .*
// for every member, [n] for an array element, [*] for every element:
// "$.output.createdAt", "$.output.items[*].id", "$.error". A member it
// selects is removed on both sides (so one only side having it is no
// difference either); an array element it selects is compared as equal. A
// path that does not parse fails the test.
func Ignore(paths ...string) Option {
	return optionFunc(func(c *config) {
		for _, p := range paths {
			jp, err := parsePath(p)
			if err != nil {
				c.errs = append(c.errs, err)
				continue
			}
			c.ignore = append(c.ignore, jp)
		}
	})
}

// WithModes sets the replay mode of boundaries by name, overriding the
// default of every boundary in boundary.Replay (for example
// boundary.ProxyPass for a boundary whose real function is deterministic
// and safe in tests). Names the task does not declare fail the test.
func WithModes(modes map[string]boundary.Mode) Option {
	return optionFunc(func(c *config) {
		if c.modes == nil {
			c.modes = make(map[string]boundary.Mode, len(modes))
		}
		maps.Copy(c.modes, modes)
	})
}

// Update sets whether differing files are rewritten with the new outcome,
// instead of reading the -update flag.
func Update(update bool) Option {
	return optionFunc(func(c *config) { c.update = &update })
}

// WithContext sets the context of the replays (default: the test's
// Context, or context.Background for a testing.TB without one).
func WithContext(ctx context.Context) Option {
	return optionFunc(func(c *config) { c.ctx = ctx })
}
