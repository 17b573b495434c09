package runner_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/hivetrace/hivetrace/runner"
	"github.com/hivetrace/hivetrace/task"
)

// A service binary registers its tasks and hands its command line to the
// runner; runner.Main(r) does the same with os.Args and exits. The record
// line "run" writes on stderr is left out here.
func Example() {
	double := task.New("double", func(_ context.Context, n int) (int, error) { return 2 * n, nil },
		task.WithDescription("Double a number"))
	r := runner.New(runner.WithName("svc"), runner.WithOutput(os.Stdout, io.Discard))
	if err := r.Register(double); err != nil {
		fmt.Println(err)
		return
	}
	r.Run(context.Background(), []string{"list"})
	code := r.Run(context.Background(), []string{"run", "double", "21"})
	fmt.Println("exit status", code)
	// Output:
	// TASK    BOUNDARIES  DESCRIPTION
	// double  -           Double a number
	// 42
	// exit status 0
}
