package examples_test

import (
	"context"
	"fmt"
	"os"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// The README's code, compiled and run. Keep the two in step.

type ReportInput struct {
	UserID int `json:"userId" validate:"required,gt=0"`
}

type Report struct {
	Name string `json:"name"`
}

type User struct {
	Name string `json:"name"`
	Plan string `json:"plan"`
}

// userStore stands in for a database.
type userStore map[int]User

func (s userStore) Find(_ context.Context, id int) (User, error) {
	u, ok := s[id]
	if !ok {
		return User{}, fmt.Errorf("user %d not found", id)
	}
	return u, nil
}

var users = userStore{1: {Name: "Ada", Plan: "pro"}}

func Example_readme() {
	ctx := context.Background()
	// Spans of this example go nowhere; the README's Setup installs real ones.
	tp := noop.NewTracerProvider()

	fetchUser := boundary.New("fetchUser", func(ctx context.Context, id int) (User, error) {
		return users.Find(ctx, id) // the outside world: only reachable through a boundary
	})

	getUserReport := task.New("getUserReport",
		func(ctx context.Context, in ReportInput) (Report, error) {
			u, err := fetchUser.Call(ctx, in.UserID)
			if err != nil {
				return Report{}, err
			}
			_ = task.SetMetadata(ctx, "plan", u.Plan)
			if m, err := otelrecord.NewMetric("business", "score", 10); err == nil {
				_ = task.SetMetrics(ctx, m)
			}
			return Report{Name: u.Name}, nil
		},
		task.WithDescription("A user's report"),
		task.WithBoundaries(fetchUser),
		task.WithTracerProvider(tp))

	out, rec, err := getUserReport.SafeRun(ctx, ReportInput{UserID: 1})
	fmt.Println(out.Name, err, rec.Type, string(rec.Boundaries["fetchUser"][0].Input), rec.Metadata["plan"], rec.Metrics[0].Name)

	_, bad, err := getUserReport.SafeRun(ctx, ReportInput{})
	fmt.Println(bad.Type, err)

	// Reproduce a run from its record: the boundaries answer from the record.
	delete(users, 1) // the outside world changed; the replay does not care
	out, replayed, err := getUserReport.SafeReplay(ctx, rec, task.ReplayConfig{
		Boundaries: map[string]boundary.Mode{"fetchUser": boundary.Replay},
	})
	fmt.Println(out.Name, err, replayed.Type)
	// Every declared boundary from the record; entries of Boundaries override All.
	// A name the task does not declare is an error (task.ErrUnknownBoundary).
	out, replayed, err = getUserReport.SafeReplay(ctx, rec, task.ReplayConfig{All: boundary.Replay})
	fmt.Println(out.Name, err, replayed.Type)

	// Or replace a boundary in tests; the mocked call is still recorded.
	err = task.MockBoundary(getUserReport, fetchUser, func(context.Context, int) (User, error) {
		return User{Name: "Test"}, nil
	})
	out, _ = getUserReport.Run(ctx, ReportInput{UserID: 42})
	fmt.Println(out.Name, err)
	// Output:
	// Ada <nil> success [1] pro score
	// error Invalid input on: userId: is required
	// Ada <nil> success
	// Ada <nil> success
	// Test <nil>
}

// Example_readmeSetup is compiled, not run: it would install OTel globals.
func Example_readmeSetup() {
	_ = func(ctx context.Context) error {
		// From the environment: OTEL_* for traces and metrics, HIVE_* for records.
		shutdown, err := otelsetup.Setup(ctx, otelsetup.WithServiceName("shop"))
		if err != nil {
			return err
		}
		defer shutdown(context.Background())
		return nil
	}

	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(exporter.NewJSONLinesSink(os.Stdout))))
	defer func() { _ = tp.Shutdown(context.Background()) }()
}
