package main

import (
	"fmt"
	"os"

	"github.com/hivetrace/hivetrace/examples/internal/shop"
	"github.com/hivetrace/hivetrace/runner"
)

func main() {
	r, err := newRunner()
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(runner.ExitFailure)
	}
	runner.Main(r)
}

// newRunner returns a runner of the shop's task. Its dependencies are left
// empty: in replay mode no boundary reaches them.
func newRunner(opts ...runner.Option) (*runner.Runner, error) {
	r := runner.New(append([]runner.Option{runner.WithName("replay")}, opts...)...)
	return r, r.Register(shop.New(shop.Deps{}).Report)
}
