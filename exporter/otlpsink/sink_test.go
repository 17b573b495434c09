package otlpsink_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/exporter/otlpsink"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// capture is a SpanSink keeping what a run-span processor gives it.
type capture struct {
	mu   sync.Mutex
	runs []*exporter.RunSpans
}

func (c *capture) DeliverSpans(_ context.Context, runs ...*exporter.RunSpans) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runs = append(c.runs, runs...)
	return nil
}

// makeRuns returns the spans of n runs of task name, each with one boundary
// call, as a run-span processor encodes them under res.
func makeRuns(t *testing.T, res *resource.Resource, name string, n int) []*exporter.RunSpans {
	t.Helper()
	c := &capture{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res),
		sdktrace.WithSpanProcessor(exporter.NewRunSpanProcessor(c)))
	tracer := tp.Tracer("otlpsink-test")
	start := time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)
	for range n {
		id := run.NewUUID()
		ctx, task := tracer.Start(context.Background(), name, trace.WithTimestamp(start), trace.WithAttributes(
			otelrecord.KindKey.String(otelrecord.KindTask),
			otelrecord.TaskNameKey.String(name),
			otelrecord.RunUUIDKey.String(id),
			otelrecord.TaskBoundariesKey.StringSlice([]string{"db"}),
			otelrecord.TaskInputKey.String(`{"n":1}`),
		))
		_, call := tracer.Start(ctx, "db", trace.WithTimestamp(start.Add(time.Millisecond)), trace.WithAttributes(
			otelrecord.KindKey.String(otelrecord.KindBoundary),
			otelrecord.BoundaryNameKey.String("db"),
			otelrecord.RunUUIDKey.String(id),
			otelrecord.BoundarySeqKey.Int(0),
			otelrecord.BoundaryInputKey.String(`["select"]`),
			otelrecord.BoundaryOutputKey.String(`[1,2]`),
		))
		call.End(trace.WithTimestamp(start.Add(2345 * time.Microsecond)))
		task.SetAttributes(otelrecord.TaskOutputKey.String(`3`), otelrecord.RecordTypeKey.String("success"),
			otelrecord.TaskBoundaryCallsKey.Int(1))
		task.End(trace.WithTimestamp(start.Add(3 * time.Millisecond)))
	}
	require.NoError(t, tp.Shutdown(context.Background()))
	require.Len(t, c.runs, n)
	return c.runs
}

func serviceResource(name string) *resource.Resource {
	return resource.NewSchemaless(attribute.String("service.name", name))
}

func newSink(t *testing.T, endpoint string, opts ...otlpsink.Option) *otlpsink.Sink {
	t.Helper()
	s, err := otlpsink.New(endpoint, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s
}

func resourceAttrs(kvs []*commonpb.KeyValue) map[string]string {
	out := map[string]string{}
	for _, kv := range kvs {
		out[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	return out
}

// The runs arrive gzip-compressed protobuf; the receiver rebuilds their
// records; runs of one resource share a ResourceSpans, whose resource
// carries the extra attributes (replacing those of the same key).
func TestDeliverSpans(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	s := newSink(t, recv.Endpoint(),
		otlpsink.WithHeaders(map[string]string{"X-Test": "1"}),
		otlpsink.WithResourceAttributes(otlpspan.ProjectUUIDKey.String("p-1"), attribute.String("service.name", "renamed")))
	runs := append(makeRuns(t, serviceResource("a"), "ta", 3), makeRuns(t, serviceResource("b"), "tb", 2)...)

	require.NoError(t, s.DeliverSpans(context.Background(), append(runs, nil)...))

	reqs := recv.Requests()
	require.Len(t, reqs, 1)
	assert.True(t, reqs[0].Gzip)
	assert.Equal(t, "1", reqs[0].Header.Get("X-Test"))
	assert.Equal(t, 10, reqs[0].Spans)
	rss := reqs[0].Body.GetResourceSpans()
	require.Len(t, rss, 2, "one ResourceSpans per resource")
	for _, rs := range rss {
		attrs := resourceAttrs(rs.GetResource().GetAttributes())
		assert.Equal(t, map[string]string{"service.name": "renamed", "hive.project.uuid": "p-1"}, attrs)
	}
	assert.Len(t, rss[0].GetScopeSpans(), 3, "the scopes of the 3 runs of resource a")
	recs := recv.Records()
	require.Len(t, recs, 5)
	for i, r := range recs {
		assert.Equal(t, runs[i].UUID, r.UUID)
		assert.NotContains(t, r.Metadata, otelrecord.MetadataIncomplete)
		assert.JSONEq(t, `[1,2]`, string(r.Boundaries["db"][0].Output))
	}
}

// A partial success is reported, the batch counting as delivered.
func TestDeliverSpansPartialSuccess(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	recv.Respond(func(exportertest.OTLPRequest) exportertest.OTLPAnswer {
		return exportertest.OTLPAnswer{RejectedSpans: 3, Message: "too old"}
	})
	s := newSink(t, recv.Endpoint())
	err := s.DeliverSpans(context.Background(), makeRuns(t, nil, "t", 2)...)
	var ps *exporter.PartialSuccessError
	require.ErrorAs(t, err, &ps)
	assert.Equal(t, int64(3), ps.RejectedSpans)
	assert.Equal(t, "too old", ps.Message)
	var de *exporter.DeliveryError
	assert.False(t, errors.As(err, &de), "nothing to hand back")

	recv.Respond(func(exportertest.OTLPRequest) exportertest.OTLPAnswer {
		return exportertest.OTLPAnswer{Message: "a warning"}
	})
	require.ErrorAs(t, s.DeliverSpans(context.Background(), makeRuns(t, nil, "t", 1)...), &ps)
	assert.Zero(t, ps.RejectedSpans)
}

// The answers the specification calls retryable hand the runs back, with
// the Retry-After delay; the others refuse them for good.
func TestDeliverSpansAnswers(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		status     int
		retryAfter string
		retry      bool
		wantAfter  time.Duration
	}{
		{http.StatusTooManyRequests, "7", true, 7 * time.Second},
		{http.StatusBadGateway, "", true, 0},
		{http.StatusServiceUnavailable, date, true, 90 * time.Second},
		{http.StatusGatewayTimeout, "soon", true, 0},
		{http.StatusBadRequest, "", false, 0},
		{http.StatusUnauthorized, "", false, 0},
		{http.StatusInternalServerError, "", false, 0},
		{http.StatusRequestEntityTooLarge, "", false, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			recv := exportertest.NewOTLPReceiver(t)
			recv.Respond(func(exportertest.OTLPRequest) exportertest.OTLPAnswer {
				return exportertest.OTLPAnswer{Status: c.status, RetryAfter: c.retryAfter, Message: "because"}
			})
			s := newSink(t, recv.Endpoint())
			runs := makeRuns(t, nil, "t", 1)
			err := s.DeliverSpans(context.Background(), runs...)
			var de *exporter.DeliveryError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, 1, de.Failed)
			assert.Contains(t, err.Error(), fmt.Sprintf("%d %s: because", c.status, http.StatusText(c.status)))
			assert.Len(t, recv.Requests(), 1, "the sink itself never retries")
			assert.Empty(t, recv.Records())
			if c.retry {
				assert.Equal(t, runs, de.Runs)
				assert.NotErrorIs(t, err, exporter.ErrRejected)
				assert.InDelta(t, c.wantAfter.Seconds(), de.RetryAfter.Seconds(), 2)
			} else {
				assert.Empty(t, de.Runs)
				assert.ErrorIs(t, err, exporter.ErrRejected)
			}
		})
	}
}

// A batch refused as too large is sent again in halves, down to single
// runs; a single run too large is refused.
func TestDeliverSpansSplitsOn413(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	recv.Respond(func(r exportertest.OTLPRequest) exportertest.OTLPAnswer {
		if r.Spans > 4 {
			return exportertest.OTLPAnswer{Status: http.StatusRequestEntityTooLarge}
		}
		return exportertest.OTLPAnswer{}
	})
	s := newSink(t, recv.Endpoint())
	require.NoError(t, s.DeliverSpans(context.Background(), makeRuns(t, nil, "t", 5)...))
	assert.Len(t, recv.Records(), 5)
	var sizes []int
	for _, r := range recv.Requests() {
		sizes = append(sizes, r.Spans)
	}
	assert.Equal(t, []int{10, 4, 6, 2, 4}, sizes)
}

// The receiver down: the runs are handed back; a cancelled ctx too.
func TestDeliverSpansReceiverDown(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	s := newSink(t, recv.Endpoint())
	runs := makeRuns(t, nil, "t", 2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.DeliverSpans(ctx, runs...)
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, runs, de.Runs)
	assert.ErrorIs(t, err, context.Canceled)

	down := newSink(t, "http://127.0.0.1:1/v1/traces")
	err = down.DeliverSpans(context.Background(), runs...)
	require.ErrorAs(t, err, &de)
	assert.Equal(t, runs, de.Runs)
	assert.NotErrorIs(t, err, exporter.ErrRejected)
}

// Malformed spans are refused; the others of the batch are delivered.
func TestDeliverSpansMalformed(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	s := newSink(t, recv.Endpoint())
	runs := makeRuns(t, nil, "t", 2)
	bad := &exporter.RunSpans{UUID: "bad", TracesData: []byte{0x0a, 0xff}}
	err := s.DeliverSpans(context.Background(), runs[0], bad, runs[1])
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 1, de.Failed)
	assert.ErrorIs(t, err, exporter.ErrRejected)
	assert.Contains(t, err.Error(), "run bad")
	assert.Len(t, recv.Records(), 2)
}

// NewHive reads the Hive client's settings, the environment included:
// endpoint under HIVE_HOST, credentials, project on the resource.
func TestNewHive(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	t.Setenv(hive.EnvHost, recv.URL()+"/")
	t.Setenv(hive.EnvAPIKey, "key-1")
	t.Setenv(hive.EnvAPISecret, "secret-1")
	t.Setenv(hive.EnvProjectUUID, "0193b000-0000-7000-8000-000000000001")
	t.Setenv(hive.EnvProjectName, "shop")
	t.Setenv(hive.EnvForgePath, "")
	s, err := otlpsink.NewHive(hive.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	assert.Equal(t, recv.URL()+"/v1/traces", s.Endpoint())
	require.NoError(t, s.DeliverSpans(context.Background(), makeRuns(t, serviceResource("shop-api"), "t", 1)...))
	reqs := recv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "Bearer key-1:secret-1", reqs[0].Header.Get("Authorization"))
	assert.Equal(t, map[string]string{
		"service.name": "shop-api", "hive.project.uuid": "0193b000-0000-7000-8000-000000000001", "hive.project.name": "shop",
	}, resourceAttrs(reqs[0].Body.GetResourceSpans()[0].GetResource().GetAttributes()))

	// Config fields win over the environment.
	s2, err := otlpsink.NewHive(hive.Config{APIKey: "key-2", APISecret: "secret-2", ProjectName: "other"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s2.Shutdown(context.Background()) })
	require.NoError(t, s2.DeliverSpans(context.Background(), makeRuns(t, nil, "t", 1)...))
	reqs = recv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "Bearer key-2:secret-2", reqs[1].Header.Get("Authorization"))
	assert.Equal(t, "other", resourceAttrs(reqs[1].Body.GetResourceSpans()[0].GetResource().GetAttributes())["hive.project.name"])
}

// Without credentials the sink is silent.
func TestNewHiveSilent(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	t.Setenv(hive.EnvAPIKey, "")
	t.Setenv(hive.EnvAPISecret, "")
	t.Setenv(hive.EnvForgePath, "")
	s, err := otlpsink.NewHive(hive.Config{Host: recv.URL()})
	require.NoError(t, err)
	require.NoError(t, s.DeliverSpans(context.Background(), makeRuns(t, nil, "t", 1)...))
	assert.Empty(t, recv.Requests())

	_, err = otlpsink.NewHive(hive.Config{Host: "ftp://nope"})
	assert.ErrorIs(t, err, hive.ErrInvalidConfig)
}

func TestNewValidatesTheEndpoint(t *testing.T) {
	for _, e := range []string{"", "localhost:4318", "ftp://x/v1/traces", "http://"} {
		_, err := otlpsink.New(e)
		assert.Error(t, err, e)
	}
}

func TestShutdown(t *testing.T) {
	recv := exportertest.NewOTLPReceiver(t)
	s := newSink(t, recv.Endpoint())
	require.NoError(t, s.Shutdown(context.Background()))
	require.NoError(t, s.Shutdown(context.Background()))
	assert.ErrorIs(t, s.DeliverSpans(context.Background(), makeRuns(t, nil, "t", 1)...), exporter.ErrSinkClosed)
	assert.Empty(t, recv.Requests())
}

// An error answer that is not a google.rpc.Status keeps the start of its
// text as the message.
func TestDeliverSpansPlainErrorBody(t *testing.T) {
	srv := newPlainServer(t, http.StatusBadRequest, strings.Repeat("no ", 400))
	s := newSink(t, srv+"/v1/traces")
	err := s.DeliverSpans(context.Background(), makeRuns(t, nil, "t", 1)...)
	require.ErrorIs(t, err, exporter.ErrRejected)
	assert.Contains(t, err.Error(), "400 Bad Request: no no")
	assert.Less(t, len(err.Error()), 800)
}
