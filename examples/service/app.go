package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/examples/internal/shop"
	"github.com/hivetrace/hivetrace/runner"
	"github.com/hivetrace/hivetrace/task"
)

// recordHeader carries the uuid of the run's execution record.
const recordHeader = "X-Hive-Record"

// appConfig is what the handlers need; a nil TracerProvider or propagator
// means the global one (installed by otelsetup.Setup in the runner's
// setup).
type appConfig struct {
	db       *sql.DB
	upstream string
	// transport, when set, sits in front of the otelhttp transport of the
	// profile API's client (see selfTransport).
	transport      func(http.RoundTripper) http.RoundTripper
	tracerProvider trace.TracerProvider
	propagators    propagation.TextMapPropagator
	// runnerOptions configure the runner beyond the routes and middleware.
	runnerOptions []runner.Option
}

// app is the service: its task wired to its dependencies, and the runner
// that lists, runs, replays and serves it.
type app struct {
	shop    *shop.Shop
	runner  *runner.Runner
	handler http.Handler
}

// newApp wires the task to its dependencies and registers it with a
// runner whose serve routes are the tasks', health and readiness, plus the
// service's own: the report and the profile API.
func newApp(cfg appConfig) (*app, error) {
	var httpOpts []otelhttp.Option
	var taskOpts []task.Option
	if cfg.tracerProvider != nil {
		httpOpts = append(httpOpts, otelhttp.WithTracerProvider(cfg.tracerProvider))
		taskOpts = append(taskOpts, task.WithTracerProvider(cfg.tracerProvider))
	}
	if cfg.propagators != nil {
		httpOpts = append(httpOpts, otelhttp.WithPropagators(cfg.propagators))
	}
	hc := shop.NewHTTPClient(httpOpts...)
	if cfg.transport != nil {
		hc.Transport = cfg.transport(hc.Transport)
	}
	a := &app{shop: shop.New(shop.Deps{DB: cfg.db, ProfilesURL: cfg.upstream, HTTPClient: hc}, taskOpts...)}

	a.runner = runner.New(append([]runner.Option{
		runner.WithRoutes(func(mux *http.ServeMux) {
			mux.HandleFunc("GET /reports/{userId}", a.report)
			mux.Handle("GET /upstream/", http.StripPrefix("/upstream", shop.ProfileAPI()))
		}),
		runner.WithMiddleware(func(h http.Handler) http.Handler {
			return otelhttp.NewHandler(h, "service", append(httpOpts, otelhttp.WithSpanNameFormatter(spanName))...)
		}),
	}, cfg.runnerOptions...)...)
	if err := a.runner.Register(a.shop.Report); err != nil {
		return nil, err
	}
	a.handler = a.runner.Handler()
	return a, nil
}

// report runs the task for the user in the path and answers its output, with
// the record's uuid in a header so the run can be found in Hive.
func (a *app) report(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("userId"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "userId must be an integer"})
		return
	}
	out, rec, err := a.shop.Report.SafeRun(r.Context(), shop.ReportInput{UserID: id})
	w.Header().Set(recordHeader, rec.UUID)
	var ve *task.ValidationError
	switch {
	case errors.As(err, &ve):
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": ve.Error(), "record": rec.UUID})
	case err != nil:
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": err.Error(), "record": rec.UUID})
	default:
		writeJSON(w, http.StatusOK, out)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// spanName names server spans after the route that matched ("GET
// /reports/{userId}"), known once the mux has routed the request, or after
// the method before that.
func spanName(_ string, r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.Method
}
