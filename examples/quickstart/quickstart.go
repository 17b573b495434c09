package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/hivesink"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/sqlitestore"
	"github.com/hivetrace/hivetrace/hive/server/ui"
	"github.com/hivetrace/hivetrace/internal/recordfmt"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// hiveServer is the in-process Hive server and a client of it.
type hiveServer struct {
	client      *hive.LogClient
	url         string
	dbPath      string
	key, secret string
	stop        func() error
}

// startHive starts a Hive server on a SQLite file in dir, on a free loopback
// port, with fresh credentials, and returns a LogClient for it.
func startHive(ctx context.Context, dir string) (*hiveServer, error) {
	dbPath := filepath.Join(dir, "hive.db")
	store, err := sqlitestore.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	key, secret := randomHex(8), randomHex(16)
	projectID, err := uuid.NewV7()
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	if _, _, err := store.EnsureProject(ctx, server.Project{UUID: projectID.String(), Name: "quickstart"}); err != nil {
		_ = store.Close()
		return nil, err
	}
	srv := server.New(store, server.WithCredentials(key, secret),
		server.WithLogger(slog.New(slog.DiscardHandler)), server.WithUI(ui.Mount()))

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()

	h := &hiveServer{url: "http://" + ln.Addr().String(), dbPath: dbPath, key: key, secret: secret}
	h.stop = func() error {
		cancel()
		return errors.Join(<-served, store.Close())
	}
	h.client, err = hive.NewLogClient(hive.Config{
		APIKey: key, APISecret: secret, Host: h.url,
		ProjectUUID: projectID.String(), ProjectName: "quickstart",
	})
	if err != nil {
		return nil, errors.Join(err, h.stop())
	}
	return h, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// setupTelemetry installs the OTel pipeline with the record processor
// delivering to sink. With no OTLP endpoint or traces exporter in the
// environment, spans go nowhere else and metrics are kept in a manual
// reader, so the demo neither needs a collector nor complains about a
// missing one. It returns the provider (to flush it) and the shutdown.
func setupTelemetry(ctx context.Context, sink exporter.Sink) (flush, shutdown func(context.Context) error, err error) {
	opts := []otelsetup.Option{
		otelsetup.WithSink(sink),
		otelsetup.WithServiceName("hivetrace-quickstart"),
		otelsetup.WithRecordProcessorOptions(exporter.WithBatchTimeout(100 * time.Millisecond)),
	}
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_TRACES_EXPORTER") == "" {
		opts = append(opts, otelsetup.WithSpanExporter(discardExporter{}),
			otelsetup.WithMetricReader(sdkmetric.NewManualReader()))
	}
	shutdown, err = otelsetup.Setup(ctx, opts...)
	if err != nil {
		return nil, nil, err
	}
	return flushGlobal, shutdown, nil
}

// discardExporter exports spans nowhere.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// run is the whole demo, writing to w. With opts.serve, the Hive server and
// its records UI keep running after the demo until ctx is done.
func run(ctx context.Context, w io.Writer, opts options) (err error) {
	dir, err := os.MkdirTemp("", "hivetrace-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	h, err := startHive(ctx, dir)
	if err != nil {
		return fmt.Errorf("start hive server: %w", err)
	}
	defer func() { err = errors.Join(err, h.stop()) }()
	fmt.Fprintf(w, "Hive server listening on %s (SQLite %s)\n\n", h.url, h.dbPath)

	flush, shutdown, err := setupTelemetry(ctx, hivesink.New(h.client))
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err = errors.Join(err, shutdown(sctx))
	}()

	wld := newWorld()
	ts := newTasks(wld)
	okRec, err := runTasks(ctx, w, ts)
	if err != nil {
		return err
	}

	// The record processor rebuilt each record from the spans and handed it
	// to the Hive sink; flushing waits until the server has stored them.
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := flush(fctx); err != nil {
		return fmt.Errorf("flush records to hive: %w", err)
	}

	section(w, "4. fetched back from the Hive server: GET /api/tasks/getUserReport/logs/"+okRec.UUID)
	fetched, err := h.client.GetLog(ctx, okRec.TaskName, okRec.UUID)
	if err != nil {
		return fmt.Errorf("get the record back: %w", err)
	}
	if err := recordfmt.WriteRecordJSON(w, fetched); err != nil {
		return err
	}

	if err := replayFetched(ctx, w, wld, ts, fetched); err != nil {
		return err
	}

	section(w, "Next")
	fmt.Fprint(w, nextSteps)
	if opts.serve {
		serveUntilDone(ctx, w, h)
	} else {
		fmt.Fprintln(w, "\nRun \"make run RUNFLAGS=-serve\" to keep the server running and click through these records in its UI.")
	}
	return nil
}

// serveUntilDone prints where the records UI is and how to log in, then
// waits until ctx is done (Ctrl-C) while the server keeps serving.
func serveUntilDone(ctx context.Context, w io.Writer, h *hiveServer) {
	section(w, "Records UI")
	fmt.Fprintf(w, "Open %s/ui/ and log in with\n  API key:    %s\n  API secret: %s\n", h.url, h.key, h.secret)
	fmt.Fprintln(w, "The records above are under the tasks getUserReport and weeklyDigest. Press Ctrl-C to stop.")
	<-ctx.Done()
}

// runTasks runs the tasks three ways (sections 1 to 3) and prints their
// records; it returns the record of the successful run.
func runTasks(ctx context.Context, w io.Writer, ts *tasks) (*otelrecord.ExecutionRecord, error) {
	section(w, "1. a successful run: getUserReport{userId: 1}")
	_, okRec, err := ts.report.SafeRun(ctx, userInput{UserID: 1})
	if err != nil {
		return nil, fmt.Errorf("getUserReport(1): %w", err)
	}
	printRecord(w, okRec)

	section(w, "2. a failing boundary: getUserReport{userId: 99}")
	_, failRec, err := ts.report.SafeRun(ctx, userInput{UserID: 99})
	fmt.Fprintf(w, "run error: %v\n", err)
	printRecord(w, failRec)

	section(w, "3. a nested task: weeklyDigest calls getUserReport as a boundary")
	_, digestRec, err := ts.digest.SafeRun(ctx, digestInput{UserIDs: []int{1, 2}})
	if err != nil {
		return nil, fmt.Errorf("weeklyDigest: %w", err)
	}
	printRecord(w, digestRec)
	return okRec, nil
}

// replayFetched replays the record fetched back from Hive with its
// boundaries in replay mode (section 5), after changing the world the real
// boundaries read, and prints what the replay did.
func replayFetched(ctx context.Context, w io.Writer, wld *world, ts *tasks, fetched *otelrecord.ExecutionRecord) error {
	section(w, "5. replay of the fetched record, boundaries in replay mode")
	// The world changed since the record was made: replay does not care.
	wld.mu.Lock()
	wld.users[1], wld.orders[1] = "Ada (renamed)", nil
	wld.mu.Unlock()
	before := wld.realCalls.Load()
	out, replayRec, err := ts.report.SafeReplay(ctx, fetched, task.ReplayConfig{Boundaries: map[string]boundary.Mode{
		"fetchUser": boundary.Replay, "fetchOrders": boundary.Replay,
	}})
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	replayed, _ := json.Marshal(out)
	fmt.Fprintf(w, "replayed output: %s\n", replayed)
	fmt.Fprintf(w, "recorded output: %s\n", fetched.Output)
	fmt.Fprintf(w, "real boundary calls during the replay: %d\n", wld.realCalls.Load()-before)
	return recordfmt.WriteTimingTable(w, replayRec)
}

const nextSteps = `The same code sends its spans to Jaeger or any OpenTelemetry collector:
set OTEL_EXPORTER_OTLP_ENDPOINT (OTLP gRPC by default) and run it again, e.g.

  make jaeger && .cache/bin/jaeger &        # Jaeger v2, OTLP on :4317, query API on :16686
  OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 make run

or start Jaeger, a Hive server and the example service together with "make up"
(or "docker compose up" for the collector and the Jaeger UI). Records go to any
Hive server named by HIVE_HOST, HIVE_API_KEY and HIVE_API_SECRET.
`

func section(w io.Writer, title string) {
	fmt.Fprintf(w, "\n== %s\n", title)
}

func printRecord(w io.Writer, rec *otelrecord.ExecutionRecord) {
	_ = recordfmt.WriteRecordJSON(w, rec)
	_ = recordfmt.WriteTimingTable(w, rec)
}
