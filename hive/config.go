package hive

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/internal/httpurl"
	"github.com/hivetrace/hivetrace/internal/secret"
)

// Environment variables read when the matching Config field is empty.
const (
	// EnvAPIKey holds the API key.
	EnvAPIKey = "HIVE_API_KEY"
	// EnvAPISecret holds the API secret.
	EnvAPISecret = "HIVE_API_SECRET"
	// EnvHost holds the server's base URL.
	EnvHost = "HIVE_HOST"
	// EnvProjectName holds the project name.
	EnvProjectName = "HIVE_PROJECT_NAME"
	// EnvProjectUUID holds the project uuid.
	EnvProjectUUID = "HIVE_PROJECT_UUID"
	// EnvForgePath holds the path of a forge.json file.
	EnvForgePath = "HIVE_FORGE_PATH"
)

// DefaultHost is the host used when neither Config.Host nor HIVE_HOST is set:
// the hosted Forge Hive service. Point HIVE_HOST at a local `hive serve`
// (for example http://127.0.0.1:8080) to keep records on your machine.
const DefaultHost = "https://www.forgehive.cloud"

// DefaultHTTPTimeout bounds every request of the default HTTP client.
const DefaultHTTPTimeout = 30 * time.Second

// Config configures LogClient and Client. Its zero value is usable: a silent
// LogClient (unless the HIVE_* variables are set). Empty fields fall back as
// documented on each.
//
// A Config prints (fmt, every verb) and logs (log/slog) with its credentials
// masked: nothing of APISecret shows, and at most the first 4 characters of
// APIKey.
type Config struct {
	// ProjectName names the project; falls back to HIVE_PROJECT_NAME, then
	// forge.json's project name.
	ProjectName string
	// ProjectUUID identifies the project on the server; falls back to
	// HIVE_PROJECT_UUID, then forge.json's project uuid. SendLog and Invoke
	// need it.
	ProjectUUID string
	// APIKey and APISecret authenticate every request; they fall back to
	// HIVE_API_KEY and HIVE_API_SECRET. A LogClient without both is silent.
	APIKey, APISecret string
	// Host is the server's base URL (http or https); falls back to HIVE_HOST,
	// then DefaultHost.
	Host string
	// Metadata is merged into every record sent, with the lowest priority:
	// per-call metadata > the record's own > this.
	Metadata map[string]string
	// ForgePath is the path of a forge.json that maps task names to uuids;
	// falls back to HIVE_FORGE_PATH. Empty means no file: records are sent
	// without a task uuid (a local server then registers the task by name).
	ForgePath string
	// HTTPClient sends the requests. The default is a plain client with
	// DefaultHTTPTimeout; it is deliberately not instrumented with otelhttp,
	// so the telemetry pipeline does not trace its own deliveries.
	HTTPClient *http.Client
	// Logger receives the clients' logs; nil means slog.Default() at the time
	// of logging.
	Logger *slog.Logger
}

var (
	_ fmt.Formatter  = Config{}
	_ slog.LogValuer = Config{}
)

// configFields is Config without its methods, for Format.
type configFields Config

// masked returns the fields of c with the credentials masked.
func (c Config) masked() configFields {
	m := configFields(c)
	m.APIKey, m.APISecret = secret.MaskKey(c.APIKey), secret.Mask(c.APISecret)
	return m
}

// Format formats c as fmt formats a struct, with APIKey and APISecret
// masked: APISecret shows as "[redacted]" (empty when unset) and APIKey as
// its first 4 characters followed by "…" ("[redacted]" for a key of 8
// characters or fewer).
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		out := fmt.Sprintf("%#v", c.masked())
		_, _ = io.WriteString(f, "hive.Config"+strings.TrimPrefix(out, "hive.configFields"))
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), c.masked())
}

// LogValue logs c as a group of its fields, with APIKey and APISecret masked
// as Format masks them. HTTPClient and Logger are left out.
func (c Config) LogValue() slog.Value {
	m := c.masked()
	return slog.GroupValue(
		slog.String("ProjectName", m.ProjectName),
		slog.String("ProjectUUID", m.ProjectUUID),
		slog.String("APIKey", m.APIKey),
		slog.String("APISecret", m.APISecret),
		slog.String("Host", m.Host),
		slog.Any("Metadata", m.Metadata),
		slog.String("ForgePath", m.ForgePath),
	)
}

// settings is a Config with every fallback applied.
type settings struct {
	projectName, projectUUID string
	apiKey, apiSecret        string
	host                     string
	metadata                 map[string]string
	forgePath                string
	forge                    *Forge
	httpClient               *http.Client
	logger                   *slog.Logger // nil: slog.Default() at use time
}

// resolve applies the environment, forge.json and default fallbacks and
// validates the result.
func resolve(cfg Config) (*settings, error) {
	s := &settings{
		projectName: firstNonEmpty(cfg.ProjectName, os.Getenv(EnvProjectName)),
		projectUUID: firstNonEmpty(cfg.ProjectUUID, os.Getenv(EnvProjectUUID)),
		apiKey:      firstNonEmpty(cfg.APIKey, os.Getenv(EnvAPIKey)),
		apiSecret:   firstNonEmpty(cfg.APISecret, os.Getenv(EnvAPISecret)),
		host:        firstNonEmpty(cfg.Host, os.Getenv(EnvHost), DefaultHost),
		metadata:    maps.Clone(cfg.Metadata),
		forgePath:   firstNonEmpty(cfg.ForgePath, os.Getenv(EnvForgePath)),
		httpClient:  cfg.HTTPClient,
		logger:      cfg.Logger,
	}
	if s.forgePath != "" {
		f, err := LoadForge(s.forgePath)
		if err != nil {
			return nil, err
		}
		s.forge = f
		s.projectName = firstNonEmpty(s.projectName, f.Project.Name)
		s.projectUUID = firstNonEmpty(s.projectUUID, f.Project.UUID)
	}
	host, err := normalizeHost(s.host)
	if err != nil {
		return nil, err
	}
	s.host = host
	if s.httpClient == nil {
		s.httpClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	return s, nil
}

func (s *settings) hasCredentials() bool { return s.apiKey != "" && s.apiSecret != "" }

func (s *settings) log() *slog.Logger {
	if s.logger != nil {
		return s.logger
	}
	return slog.Default()
}

// normalizeHost checks that host is an absolute http(s) URL and drops a
// trailing slash.
func normalizeHost(host string) (string, error) {
	base, err := httpurl.Base(host)
	if err != nil {
		return "", fmt.Errorf("%w: host: %w", ErrInvalidConfig, err)
	}
	return base, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
