package runner

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/hivetrace/hivetrace/hive"
)

// Environment variables the runner reads, beside the Hive client's HIVE_*.
const (
	// EnvJaegerURL is the base URL of Jaeger's query API replay --trace
	// reads, when --jaeger is not given.
	EnvJaegerURL = "HIVE_JAEGER_URL"
	// EnvAPISecretFile names a file holding the Hive API secret, read when
	// HIVE_API_SECRET is not set.
	EnvAPISecretFile = "HIVE_API_SECRET_FILE"
)

// Defaults of New.
const (
	// DefaultJaegerURL is Jaeger's query API on this machine.
	DefaultJaegerURL = "http://127.0.0.1:16686"
	// DefaultAddr is where serve listens.
	DefaultAddr = ":8080"
	// DefaultShutdownTimeout bounds serve's graceful shutdown and the
	// setup's cleanup.
	DefaultShutdownTimeout = 10 * time.Second
	// DefaultRequestTimeout bounds each request to Jaeger.
	DefaultRequestTimeout = 30 * time.Second
)

// SetupFunc prepares what running a task needs, typically the service's
// telemetry (otelsetup.Setup has this shape); the runner calls it before
// run, replay and serve, and the returned shutdown after them.
type SetupFunc func(ctx context.Context) (shutdown func(context.Context) error, err error)

// Option configures a Runner.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	name            string
	stdin           io.Reader
	stdout, stderr  io.Writer
	setup           SetupFunc
	hive            hive.Config
	jaegerURL       string
	httpClient      *http.Client
	addr            string
	shutdownTimeout time.Duration
	drainDelay      time.Duration
	routes          func(*http.ServeMux)
	middleware      func(http.Handler) http.Handler
	ready           func(context.Context) error
	onListen        func(net.Addr)
	defaultCommand  string
}

// newConfig applies the defaults, then the environment, then opts.
func newConfig(opts []Option) config {
	c := config{
		name:            filepath.Base(os.Args[0]),
		stdin:           os.Stdin,
		stdout:          os.Stdout,
		stderr:          os.Stderr,
		jaegerURL:       DefaultJaegerURL,
		addr:            DefaultAddr,
		shutdownTimeout: DefaultShutdownTimeout,
	}
	if v := os.Getenv(EnvJaegerURL); v != "" {
		c.jaegerURL = v
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{Timeout: DefaultRequestTimeout}
	}
	return c
}

// WithName sets the program name usage and messages show (default: the
// base name of os.Args[0]).
func WithName(name string) Option {
	return optionFunc(func(c *config) {
		if name != "" {
			c.name = name
		}
	})
}

// WithOutput sets where the commands write (default os.Stdout and
// os.Stderr); nil writers are ignored.
func WithOutput(stdout, stderr io.Writer) Option {
	return optionFunc(func(c *config) {
		if stdout != nil {
			c.stdout = stdout
		}
		if stderr != nil {
			c.stderr = stderr
		}
	})
}

// WithInput sets what "run TASK -" reads the input from (default
// os.Stdin).
func WithInput(stdin io.Reader) Option {
	return optionFunc(func(c *config) {
		if stdin != nil {
			c.stdin = stdin
		}
	})
}

// WithSetup sets the function called before run, replay and serve (see
// SetupFunc). Default: none, the OTel globals as they are.
func WithSetup(fn SetupFunc) Option {
	return optionFunc(func(c *config) { c.setup = fn })
}

// WithHive sets the Hive client configuration replay --uuid starts from;
// its empty fields fall back to the HIVE_* environment (see hive.Config),
// the API secret also to the file HIVE_API_SECRET_FILE names.
func WithHive(cfg hive.Config) Option {
	return optionFunc(func(c *config) { c.hive = cfg })
}

// WithJaegerURL sets the default base URL of Jaeger's query API for replay
// --trace (default HIVE_JAEGER_URL, else DefaultJaegerURL).
func WithJaegerURL(url string) Option {
	return optionFunc(func(c *config) {
		if url != "" {
			c.jaegerURL = url
		}
	})
}

// WithHTTPClient sets the client of the requests to Jaeger (default: a
// plain client with DefaultRequestTimeout).
func WithHTTPClient(hc *http.Client) Option {
	return optionFunc(func(c *config) {
		if hc != nil {
			c.httpClient = hc
		}
	})
}

// WithAddr sets serve's default address (default DefaultAddr).
func WithAddr(addr string) Option {
	return optionFunc(func(c *config) {
		if addr != "" {
			c.addr = addr
		}
	})
}

// WithShutdownTimeout sets serve's default graceful-shutdown bound and the
// bound of the setup's shutdown (default DefaultShutdownTimeout); values
// that are not positive are ignored.
func WithShutdownTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.shutdownTimeout = d
		}
	})
}

// WithDrainDelay sets serve's default drain delay: how long, once told to
// stop, it keeps serving with GET /readyz answering 503 before it shuts
// down (default 0: at once). Negative values are ignored.
func WithDrainDelay(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d >= 0 {
			c.drainDelay = d
		}
	})
}

// WithRoutes lets the service add its own routes to serve's mux, beside
// the tasks' and the health endpoints.
func WithRoutes(fn func(*http.ServeMux)) Option {
	return optionFunc(func(c *config) { c.routes = fn })
}

// WithMiddleware wraps serve's whole handler, for example in otelhttp.
func WithMiddleware(fn func(http.Handler) http.Handler) Option {
	return optionFunc(func(c *config) { c.middleware = fn })
}

// WithReadiness sets the check behind serve's GET /readyz: an error makes
// it answer 503 with the error. It is called for each probe and must be
// safe for concurrent use. Default: ready while serving.
func WithReadiness(fn func(context.Context) error) Option {
	return optionFunc(func(c *config) { c.ready = fn })
}

// WithOnListen sets a function serve calls with the address it listens on,
// once listening and before serving the first request.
func WithOnListen(fn func(net.Addr)) Option {
	return optionFunc(func(c *config) { c.onListen = fn })
}

// WithDefaultCommand sets the command run when the arguments name none
// (empty, or starting with a flag): "serve" lets a service binary started
// without arguments serve, as before it had commands. Default: none, a
// usage error.
func WithDefaultCommand(name string) Option {
	return optionFunc(func(c *config) { c.defaultCommand = name })
}
