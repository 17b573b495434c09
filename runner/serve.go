package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// cmdServe runs "serve": every task's http.Handler under one mux, with
// health and readiness endpoints, until ctx is done; then a graceful
// shutdown.
func (r *Runner) cmdServe(ctx context.Context, args []string, start starter) error {
	fs := r.newFlagSet("serve", "[--addr ADDR] [--shutdown-timeout D] [--json]",
		"Serve every task over HTTP until SIGINT or SIGTERM, then shut down gracefully:\n\n"+
			"  POST /tasks/{task}  {\"args\": <input>}: the task's own handler (200 with the output,\n"+
			"                      422 invalid input, 500 failed run)\n"+
			"  GET  /tasks         the tasks, as list --json writes them\n"+
			"  GET  /healthz       200 while the process serves\n"+
			"  GET  /readyz        200 when ready for traffic, 503 once shutting down\n\n"+
			"On the signal, /readyz answers 503 for --drain-delay while requests are still served\n"+
			"(so a load balancer stops sending traffic), then the server shuts down gracefully.")
	addr := fs.String("addr", r.cfg.addr, "`address` to listen on")
	timeout := fs.Duration("shutdown-timeout", r.cfg.shutdownTimeout, "bound on the graceful shutdown")
	drain := fs.Duration("drain-delay", r.cfg.drainDelay, "time to keep serving with /readyz at 503 before shutting down")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("serve takes no arguments, got %q", pos)
	}
	if *timeout <= 0 {
		return usageErrorf("--shutdown-timeout must be positive")
	}
	if *drain < 0 {
		return usageErrorf("--drain-delay must not be negative")
	}
	if err := start(ctx); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	var stopping atomic.Bool
	srv := &http.Server{Handler: r.handler(&stopping), ReadHeaderTimeout: 10 * time.Second}
	if r.cfg.onListen != nil {
		r.cfg.onListen(ln.Addr())
	}
	url := "http://" + ln.Addr().String()
	if fs.asJSON {
		_ = writeJSON(r.cfg.stdout, map[string]any{"listening": url, "tasks": len(r.sortedTasks())})
	} else {
		fmt.Fprintf(r.cfg.stdout, "%s: listening on %s (%d tasks)\n", r.cfg.name, url, len(r.sortedTasks()))
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", url, err)
	case <-ctx.Done():
	}
	stopping.Store(true)
	if *drain > 0 {
		t := time.NewTimer(*drain)
		select {
		case <-t.C:
		case err := <-errc:
			t.Stop()
			return fmt.Errorf("serve on %s: %w", url, err)
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), *timeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if !fs.asJSON {
		fmt.Fprintf(r.cfg.stdout, "%s: stopped\n", r.cfg.name)
	}
	return nil
}

// Handler returns the handler serve serves, to mount the tasks in a server
// of the caller's: POST /tasks/{task} for each registered task, GET /tasks,
// GET /healthz, GET /readyz (503 when the WithReadiness check fails), the
// routes of WithRoutes, all wrapped in the WithMiddleware middleware.
// Tasks registered later are not in it.
func (r *Runner) Handler() http.Handler { return r.handler(new(atomic.Bool)) }

// handler is Handler whose /readyz answers 503 once stopping is set.
func (r *Runner) handler(stopping *atomic.Bool) http.Handler {
	mux := http.NewServeMux()
	tasks := r.sortedTasks()
	infos := make([]taskInfo, len(tasks))
	handlers := make(map[string]http.Handler, len(tasks))
	for i, t := range tasks {
		handlers[t.Name()] = t.Handler()
		infos[i] = info(t, false)
	}
	// One route for every task, so any name works (spaces, colons,
	// slashes: escaped in the URL), none a pattern the mux would refuse.
	mux.HandleFunc("/tasks/{name...}", func(w http.ResponseWriter, req *http.Request) {
		h, ok := handlers[req.PathValue("name")]
		if !ok {
			respond(w, http.StatusNotFound, map[string]string{"error": "no task " + strconv.Quote(req.PathValue("name"))})
			return
		}
		h.ServeHTTP(w, req)
	})
	mux.HandleFunc("GET /tasks", func(w http.ResponseWriter, _ *http.Request) {
		respond(w, http.StatusOK, infos)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		respond(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		if stopping.Load() {
			respond(w, http.StatusServiceUnavailable, map[string]string{"status": "stopping"})
			return
		}
		if r.cfg.ready != nil {
			if err := r.cfg.ready(req.Context()); err != nil {
				respond(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": err.Error()})
				return
			}
		}
		respond(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if r.cfg.routes != nil {
		r.cfg.routes(mux)
	}
	if r.cfg.middleware != nil {
		return r.cfg.middleware(mux)
	}
	return mux
}

// respond writes v as a JSON response.
func respond(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = writeJSON(w, v)
}
