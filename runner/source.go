package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/httpurl"
	"github.com/hivetrace/hivetrace/internal/jaegerquery"
	"github.com/hivetrace/hivetrace/internal/recordfile"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// maxRecordFileBytes bounds a file replay --file reads.
const maxRecordFileBytes = 256 << 20

// source says where a replayed record came from.
type source struct {
	// Kind is "hive", "jaeger" or "file".
	Kind string `json:"kind"`
	// UUID is the record's uuid, for a record fetched from Hive.
	UUID string `json:"uuid,omitempty"`
	// TraceID is the trace the record was rebuilt from.
	TraceID string `json:"traceId,omitempty"`
	// URL is the Hive host or Jaeger query API read.
	URL string `json:"url,omitempty"`
	// Path is the file read, and Format its shape.
	Path   string `json:"path,omitempty"`
	Format string `json:"format,omitempty"`
}

func (s source) String() string {
	switch s.Kind {
	case "hive":
		return "Hive at " + s.URL
	case "jaeger":
		return "trace " + s.TraceID + " in Jaeger at " + s.URL
	default:
		return s.Format + " file " + s.Path
	}
}

// fromHive fetches the record uuid of taskName from the Hive server the
// configuration and the HIVE_* environment name.
func (r *Runner) fromHive(ctx context.Context, taskName, uuid string) (*otelrecord.ExecutionRecord, source, error) {
	cfg := r.cfg.hive
	if path := os.Getenv(EnvAPISecretFile); cfg.APISecret == "" && path != "" {
		if os.Getenv(hive.EnvAPISecret) != "" {
			return nil, source{}, usageErrorf("both %s and %s are set: set one", hive.EnvAPISecret, EnvAPISecretFile)
		}
		s, err := readSecretFile(path)
		if err != nil {
			return nil, source{}, usageErrorf("%s: %v", EnvAPISecretFile, err)
		}
		cfg.APISecret = s
	}
	client, err := hive.NewLogClient(cfg)
	if err != nil {
		return nil, source{}, usageErrorf("Hive client: %v", err)
	}
	src := source{Kind: "hive", UUID: uuid, URL: client.Conf().Host}
	if client.IsSilent() {
		return nil, src, usageErrorf("--uuid reads from Hive: set %s and %s (or %s)", hive.EnvAPIKey, hive.EnvAPISecret, EnvAPISecretFile)
	}
	rec, err := client.GetLog(ctx, taskName, uuid)
	if err != nil {
		return nil, src, fmt.Errorf("fetch record %s of %s from %s: %w", uuid, taskName, src.URL, err)
	}
	return rec, src, nil
}

// readSecretFile returns the one line the file at path holds.
func readSecretFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" || strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("%s must hold the secret alone, on one line", path)
	}
	return s, nil
}

// fromJaeger fetches trace hexID from Jaeger's query API at baseURL and
// rebuilds the run of taskName it holds: the one with uuid, or the first
// when uuid is empty.
func (r *Runner) fromJaeger(ctx context.Context, baseURL, hexID, taskName, uuid string) (*otelrecord.ExecutionRecord, source, error) {
	base, err := httpurl.Base(baseURL)
	if err != nil {
		return nil, source{}, usageErrorf("--jaeger: %v", err)
	}
	id, err := trace.TraceIDFromHex(strings.ToLower(strings.TrimSpace(hexID)))
	if err != nil {
		return nil, source{}, usageErrorf("--trace %q: want 32 hex digits, not all zero", hexID)
	}
	src := source{Kind: "jaeger", UUID: uuid, TraceID: id.String(), URL: base}
	spans, err := jaegerquery.Fetch(ctx, r.cfg.httpClient, base, id)
	if err != nil {
		return nil, src, fmt.Errorf("fetch trace %s from %s: %w", id, base, err)
	}
	recs, err := otelrecord.Rebuild(spans)
	if err != nil && !errors.Is(err, otelrecord.ErrIncomplete) {
		return nil, src, fmt.Errorf("rebuild trace %s: %w", id, err)
	}
	var names []string
	for _, rec := range recs {
		if rec.TaskName == taskName && (uuid == "" || rec.UUID == uuid) {
			if err != nil {
				fmt.Fprintf(r.cfg.stderr, "%s replay: warning: trace %s: %v\n", r.cfg.name, id, err)
			}
			return rec, src, nil
		}
		names = append(names, rec.TaskName+" "+rec.UUID)
	}
	if len(names) == 0 {
		return nil, src, fmt.Errorf("trace %s holds no task run in its %d spans", id, len(spans))
	}
	what := taskName
	if uuid != "" {
		what += " " + uuid
	}
	return nil, src, fmt.Errorf("trace %s holds no run of %s (runs: %s)", id, what, strings.Join(names, ", "))
}

// fromFile reads a record, SDK envelope or fixture file.
func fromFile(path string) (*otelrecord.ExecutionRecord, source, error) {
	src := source{Kind: "file", Path: path}
	f, err := os.Open(path)
	if err != nil {
		return nil, src, fmt.Errorf("read record file: %w", err)
	}
	defer f.Close()
	data, err := readAllLimited(f, maxRecordFileBytes)
	if err != nil {
		return nil, src, fmt.Errorf("read record file %s: %w", path, err)
	}
	file, err := recordfile.Decode(data)
	if err != nil {
		return nil, src, fmt.Errorf("record file %s: %w", path, err)
	}
	src.Format = file.Format.String()
	return file.Record, src, nil
}
