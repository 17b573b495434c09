package otlpsink

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// Sink sends the spans of task runs to an OTLP/HTTP traces endpoint. It is
// an exporter.SpanSink for exporter.NewRunSpanProcessor, and an
// exporter.Shutdowner. All methods are safe for concurrent use.
type Sink struct {
	endpoint string
	client   *http.Client
	headers  http.Header
	extra    []*commonpb.KeyValue // the resource attributes of every request
	silent   bool                 // no credentials: every run is discarded
	closed   atomic.Bool
}

var (
	_ exporter.SpanSink   = (*Sink)(nil)
	_ exporter.Shutdowner = (*Sink)(nil)
)

// New returns a Sink that POSTs to endpoint, the full URL of an OTLP/HTTP
// traces endpoint (http or https, for example
// "https://collector.example:4318/v1/traces"). It fails when endpoint is
// not an absolute http(s) URL.
func New(endpoint string, opts ...Option) (*Sink, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("otlpsink: endpoint %q: want an absolute http or https URL", endpoint)
	}
	cfg := newConfig(opts)
	s := &Sink{endpoint: u.String(), client: cfg.client, extra: protoAttributes(cfg.resource), headers: make(http.Header)}
	if s.client == nil {
		s.client = &http.Client{Timeout: hive.DefaultHTTPTimeout}
	}
	for k, v := range cfg.headers {
		s.headers.Set(k, v)
	}
	s.headers.Set("Content-Type", contentType)
	s.headers.Set("Content-Encoding", "gzip")
	return s, nil
}

// NewHive returns a Sink for the OTLP endpoint of the Hive server cfg
// describes, configured exactly as a hive.LogClient made from cfg (the
// same HIVE_* environment fallbacks and forge.json): it POSTs to the host
// followed by TracesPath, authenticates with the API key and secret
// (Authorization: Bearer key:secret), and puts the project's uuid and name,
// when known, on the resource of every request (otlpspan.ProjectUUIDKey,
// otlpspan.ProjectNameKey). cfg.HTTPClient sends the requests unless
// WithHTTPClient is given. The server rebuilds the records from the spans
// alone: cfg.Metadata and the task uuids of forge.json are not sent.
//
// It fails as hive.NewLogClient fails. Without credentials the sink is
// silent, as the client is: DeliverSpans discards the runs and returns nil.
func NewHive(cfg hive.Config, opts ...Option) (*Sink, error) {
	client, err := hive.NewLogClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("otlpsink: %w", err)
	}
	view := client.Conf()
	var base []Option
	if cfg.HTTPClient != nil {
		base = append(base, WithHTTPClient(cfg.HTTPClient))
	}
	if !view.Silent {
		key := firstNonEmpty(cfg.APIKey, os.Getenv(hive.EnvAPIKey))
		secret := firstNonEmpty(cfg.APISecret, os.Getenv(hive.EnvAPISecret))
		base = append(base, WithHeaders(map[string]string{"Authorization": "Bearer " + key + ":" + secret}))
	}
	if view.ProjectUUID != "" {
		base = append(base, WithResourceAttributes(otlpspan.ProjectUUIDKey.String(view.ProjectUUID)))
	}
	if view.ProjectName != "" {
		base = append(base, WithResourceAttributes(otlpspan.ProjectNameKey.String(view.ProjectName)))
	}
	s, err := New(view.Host+TracesPath, append(base, opts...)...)
	if err != nil {
		return nil, err
	}
	s.silent = view.Silent
	return s, nil
}

// Endpoint returns the URL the sink POSTs to.
func (s *Sink) Endpoint() string { return s.endpoint }

// DeliverSpans sends runs in one request, or in halves when the receiver
// refuses the request as too large (413), and returns once they are
// delivered, failed, or ctx is done. It blocks and is safe for concurrent
// use; nil runs are skipped, and the sink keeps none once it returns.
//
// It returns nil when the receiver accepted every span; an
// *exporter.PartialSuccessError when it accepted the request but rejected
// some spans, or sent a warning; and otherwise one *exporter.DeliveryError
// per kind of failure, joined with errors.Join: the runs to send again
// (Runs; network failures, 429, 502, 503, 504, ctx done first), with the
// answer's Retry-After as RetryAfter, and the runs refused (Err wrapping
// exporter.ErrRejected: other answers, malformed TracesData). A silent sink
// returns nil; a sink shut down returns exporter.ErrSinkClosed.
func (s *Sink) DeliverSpans(ctx context.Context, runs ...*exporter.RunSpans) error {
	if s.closed.Load() {
		return exporter.ErrSinkClosed
	}
	if s.silent {
		return nil
	}
	kept := make([]*exporter.RunSpans, 0, len(runs))
	for _, r := range runs {
		if r != nil {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return s.send(ctx, kept)
}

// send sends runs in one request, and again in halves after a 413.
func (s *Sink) send(ctx context.Context, runs []*exporter.RunSpans) error {
	req := newRequest(s.extra)
	good := runs[:0:0]
	var malformed []error
	for _, r := range runs {
		if err := req.add(r); err != nil {
			malformed = append(malformed, fmt.Errorf("run %s: %w", r.UUID, err))
			continue
		}
		good = append(good, r)
	}
	var errs []error
	if len(malformed) > 0 {
		errs = append(errs, &exporter.DeliveryError{Failed: len(malformed),
			Err: fmt.Errorf("%w: otlpsink: %w", exporter.ErrRejected, errors.Join(malformed...))})
	}
	if len(good) == 0 {
		return errors.Join(errs...)
	}
	body, err := req.body()
	if err != nil {
		return errors.Join(append(errs, &exporter.DeliveryError{Failed: len(good),
			Err: fmt.Errorf("%w: otlpsink: %w", exporter.ErrRejected, err)})...)
	}
	a := s.post(ctx, body)
	switch {
	case a.err == nil:
		if ps := a.partialSuccess(); ps != nil {
			errs = append(errs, ps)
		}
	case a.status == http.StatusRequestEntityTooLarge && len(good) > 1:
		half := len(good) / 2
		errs = append(errs, s.send(ctx, good[:half]), s.send(ctx, good[half:]))
	case a.retryable():
		errs = append(errs, &exporter.DeliveryError{Failed: len(good), Runs: good, RetryAfter: a.retryAfter, Err: a.err})
	default:
		errs = append(errs, &exporter.DeliveryError{Failed: len(good), Err: fmt.Errorf("%w: %w", exporter.ErrRejected, a.err)})
	}
	return errors.Join(errs...)
}

// post sends one request and reads its answer.
func (s *Sink) post(ctx context.Context, body []byte) answer {
	zipped, err := gzipped(body)
	if err != nil {
		return answer{err: fmt.Errorf("otlpsink: compress the request: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(zipped))
	if err != nil {
		return answer{err: fmt.Errorf("otlpsink: POST %s: %w", s.endpoint, err)}
	}
	for k, v := range s.headers {
		req.Header[k] = v
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return answer{err: fmt.Errorf("otlpsink: POST %s: %w", s.endpoint, err), network: true}
	}
	defer resp.Body.Close()
	return readAnswer(s.endpoint, resp)
}

// Shutdown closes the client's idle connections; DeliverSpans fails from
// then on. It returns nil.
func (s *Sink) Shutdown(context.Context) error {
	if !s.closed.Swap(true) {
		s.client.CloseIdleConnections()
	}
	return nil
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// gzipped returns body compressed with gzip.
func gzipped(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(body)/4 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// protoAttributes returns attrs in OTLP form, the last of each key only.
func protoAttributes(attrs []attribute.KeyValue) []*commonpb.KeyValue {
	last := make(map[attribute.Key]int, len(attrs))
	for i, kv := range attrs {
		last[kv.Key] = i
	}
	kept := make([]attribute.KeyValue, 0, len(last))
	for i, kv := range attrs {
		if last[kv.Key] == i {
			kept = append(kept, kv)
		}
	}
	return otlpspan.ProtoKeyValues(kept)
}
