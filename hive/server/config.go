package server

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
	"github.com/hivetrace/hivetrace/internal/secret"
)

// Defaults used by New.
const (
	// DefaultMaxBodyBytes is the largest request body accepted (10 MiB).
	DefaultMaxBodyBytes = 10 << 20
	// MaxBatchItems is the largest number of records one
	// POST /api/log-ingest/batch request may carry; a longer batch is
	// answered 413 as a whole.
	MaxBatchItems = wire.MaxBatchItems
	// DefaultShutdownTimeout bounds a graceful shutdown.
	DefaultShutdownTimeout = 10 * time.Second
	// DefaultInvokeTimeout bounds a call to a task's invoke URL made with the
	// default invoke client.
	DefaultInvokeTimeout = 60 * time.Second
	// LocalName is the default team, user and project name.
	LocalName = "local"
)

// localTeamUUID is the stable uuid of the default team.
var localTeamUUID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("hivetrace:team:local")).String()

type config struct {
	apiKey, apiSecret secret.Value
	authThrottle      authThrottleSettings
	insecureNoAuth    bool
	logger            *slog.Logger
	maxBodyBytes      int64
	maxRecordBytes    int64 // 0: maxBodyBytes
	invokeClient      *http.Client
	clock             func() time.Time
	teamName          string
	teamUUID          string
	userName          string
	shutdownTimeout   time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	maxListBytes      int64
	bodyBudget        int64
	bodies            *bodyBudget // the bytes of bodies in flight, counted against bodyBudget
	assemblyWait      time.Duration
	assemblyRetention time.Duration
	publicURL         string // WithPublicURL; empty: the request's scheme and host
	maxBundleBytes    int64
	ui                func(UIHost) http.Handler // WithUI; nil: no UI
}

func newConfig(opts []Option) config {
	c := config{
		maxBodyBytes:    DefaultMaxBodyBytes,
		teamName:        LocalName,
		teamUUID:        localTeamUUID,
		userName:        LocalName,
		shutdownTimeout: DefaultShutdownTimeout,
		readTimeout:     DefaultReadTimeout,
		writeTimeout:    DefaultWriteTimeout,
		maxListBytes:    DefaultMaxListBytes,
		bodyBudget:      DefaultBodyBudget,
		assemblyWait:    DefaultAssemblyWait,
		maxBundleBytes:  DefaultMaxBundleBytes,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.assemblyRetention <= 0 {
		c.assemblyRetention = DefaultAssemblyRetention
	}
	c.assemblyRetention = max(c.assemblyRetention, 2*c.assemblyWait) // room for late spans to complete a run
	if c.invokeClient == nil {
		c.invokeClient = &http.Client{Timeout: DefaultInvokeTimeout}
	}
	c.invokeClient = invokeClient(c.invokeClient) // the redirect rule of invokes
	if c.clock == nil {
		c.clock = time.Now
	}
	if c.maxRecordBytes <= 0 {
		c.maxRecordBytes = c.maxBodyBytes
	}
	c.bodies = newBodyBudget(c.bodyBudget)
	return c
}

// Option configures a Server.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithCredentials sets the API key and secret every request must present as
// "Authorization: Bearer <key>:<secret>". Without credentials (and without
// WithInsecureNoAuth) the server answers every API request with 401.
func WithCredentials(apiKey, apiSecret string) Option {
	return optionFunc(func(c *config) { c.apiKey, c.apiSecret = secret.NewKey(apiKey), secret.New(apiSecret) })
}

// WithInsecureNoAuth makes a server without credentials accept every
// request. Credentials set with WithCredentials are still enforced.
func WithInsecureNoAuth() Option {
	return optionFunc(func(c *config) { c.insecureNoAuth = true })
}

// WithLogger sets the logger for storage failures and shutdown; default
// slog.Default() at the time New is called. A nil logger is ignored.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithMaxBodyBytes sets the largest request body accepted; larger bodies get
// 413, with the limit in the Hive-Max-Body-Bytes header. Values <= 0 are ignored (default DefaultMaxBodyBytes). The same limit
// applies to responses read from invoke targets.
func WithMaxBodyBytes(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxBodyBytes = n
		}
	})
}

// WithMaxRecordBytes sets the largest record the ingest routes store: the
// JSON of one logItem. A larger record is answered 413 by
// POST /api/log-ingest and gets a 413 item in the answer of
// POST /api/log-ingest/batch, while the other items of the batch are stored.
// Values <= 0 are ignored; the default is the body limit (WithMaxBodyBytes).
func WithMaxRecordBytes(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxRecordBytes = n
		}
	})
}

// WithInvokeClient sets the HTTP client used to call tasks' invoke URLs;
// default a client with DefaultInvokeTimeout. A nil client is ignored. The
// server calls through a copy of hc (same Transport, Jar and Timeout; hc is
// not modified) whose CheckRedirect applies the redirect rule of invokes
// first (at most MaxInvokeRedirects redirects, none to another scheme, host
// or port), then hc's own CheckRedirect, if any.
func WithInvokeClient(hc *http.Client) Option {
	return optionFunc(func(c *config) {
		if hc != nil {
			c.invokeClient = hc
		}
	})
}

// WithClock sets the clock that stamps stored records' createdAt and times
// the throttling of failed authentication attempts; default time.Now. A nil
// clock is ignored.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.clock = now
		}
	})
}

// WithTeam sets the team /api/me reports; default "local" with a fixed uuid.
// Empty values keep the defaults.
func WithTeam(name, uuid string) Option {
	return optionFunc(func(c *config) {
		if name != "" {
			c.teamName = name
		}
		if uuid != "" {
			c.teamUUID = uuid
		}
	})
}

// WithUser sets the user name /api/me reports; default "local". An empty name
// keeps the default.
func WithUser(name string) Option {
	return optionFunc(func(c *config) {
		if name != "" {
			c.userName = name
		}
	})
}

// WithShutdownTimeout bounds the graceful shutdown of Serve once its context
// is done; default DefaultShutdownTimeout. Values <= 0 are ignored.
func WithShutdownTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.shutdownTimeout = d
		}
	})
}

// WithPublicURL sets the URL the server is reached at by clients (scheme,
// host and any path prefix, such as "https://hive.example.com"), which the
// bundle upload URLs of publishes start with. Without it they are built from
// each request's scheme and Host header. A trailing slash is dropped.
func WithPublicURL(u string) Option {
	return optionFunc(func(c *config) { c.publicURL = strings.TrimRight(u, "/") })
}

// WithMaxBundleBytes sets the largest task bundle accepted by
// PUT /api/projects/{projectUuid}/tasks/{taskUuid}/bundle (larger ones are
// answered 413); n <= 0 keeps DefaultMaxBundleBytes.
func WithMaxBundleBytes(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxBundleBytes = n
		}
	})
}
