package exportertest

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// OTLPReceiverPath is the path the OTLPReceiver serves: the OTLP/HTTP
// traces endpoint.
const OTLPReceiverPath = "/v1/traces"

// OTLPReceiver is a fake OTLP/HTTP traces receiver for the tests of span
// sinks and run-span processors (exporter.NewRunSpanProcessor): an
// httptest server on 127.0.0.1 that decodes each POST OTLPReceiverPath
// (protobuf, gzip-compressed or not), answers as Respond says (200 by
// default) and, for the requests it accepts, rebuilds the records of the
// runs it receives with an otelrecord.Assembler, as Hive's OTLP endpoint
// does. It is safe for concurrent use.
type OTLPReceiver struct {
	srv *httptest.Server
	asm *otelrecord.Assembler

	mu       sync.Mutex
	records  []*otelrecord.ExecutionRecord
	requests []OTLPRequest
	respond  func(OTLPRequest) OTLPAnswer
}

// OTLPRequest is one request an OTLPReceiver decoded.
type OTLPRequest struct {
	// Header is the request's header.
	Header http.Header
	// Gzip says the body was gzip-compressed.
	Gzip bool
	// Body is the decoded request.
	Body *collectorpb.ExportTraceServiceRequest
	// Spans is the number of spans it holds.
	Spans int
	// At is when it arrived.
	At time.Time
}

// OTLPAnswer is how an OTLPReceiver answers a request.
type OTLPAnswer struct {
	// Status is the HTTP status; 0 means 200. Only a 2xx answer ingests
	// the spans.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// RejectedSpans and Message, when set, make a 2xx answer a partial
	// success, and are the message of the google.rpc.Status of an error.
	RejectedSpans int64
	Message       string
}

// NewOTLPReceiver starts a receiver; t.Cleanup stops it.
func NewOTLPReceiver(t testing.TB) *OTLPReceiver {
	t.Helper()
	r := &OTLPReceiver{asm: otelrecord.NewAssembler()}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// URL returns the receiver's base URL (http://127.0.0.1:port), to which
// OTLPReceiverPath is added.
func (r *OTLPReceiver) URL() string { return r.srv.URL }

// Endpoint returns the URL of the traces endpoint.
func (r *OTLPReceiver) Endpoint() string { return r.srv.URL + OTLPReceiverPath }

// Respond sets how the receiver answers from now on; nil restores 200.
func (r *OTLPReceiver) Respond(fn func(OTLPRequest) OTLPAnswer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.respond = fn
}

// Records returns the records rebuilt so far: those of every run whose
// task-run span and announced boundary spans were received.
func (r *OTLPReceiver) Records() []*otelrecord.ExecutionRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*otelrecord.ExecutionRecord(nil), r.records...)
}

// FlushPending rebuilds the records of the runs still waiting for spans
// (marked incomplete, as otelrecord.Assembler.Flush does), as a receiver
// does once it gives up waiting, and adds them to Records.
func (r *OTLPReceiver) FlushPending() {
	recs := r.asm.Flush(time.Now())
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, recs...)
}

// Requests returns every request decoded so far, accepted or not.
func (r *OTLPReceiver) Requests() []OTLPRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]OTLPRequest(nil), r.requests...)
}

func (r *OTLPReceiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != OTLPReceiverPath {
		writeStatus(w, http.StatusNotFound, "not found")
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		writeStatus(w, http.StatusUnsupportedMediaType, "unsupported content type "+strconv.Quote(ct))
		return
	}
	var body io.Reader = req.Body
	zipped := req.Header.Get("Content-Encoding") == "gzip"
	if zipped {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			writeStatus(w, http.StatusBadRequest, "gzip: "+err.Error())
			return
		}
		defer zr.Close()
		body = zr
	}
	data, err := io.ReadAll(body)
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "read: "+err.Error())
		return
	}
	var msg collectorpb.ExportTraceServiceRequest
	if err := proto.Unmarshal(data, &msg); err != nil {
		writeStatus(w, http.StatusBadRequest, "decode: "+err.Error())
		return
	}
	spans := otlpspan.Spans(msg.GetResourceSpans())
	got := OTLPRequest{Header: req.Header.Clone(), Gzip: zipped, Body: &msg, Spans: len(spans), At: time.Now()}

	r.mu.Lock()
	r.requests = append(r.requests, got)
	respond := r.respond
	r.mu.Unlock()
	var a OTLPAnswer
	if respond != nil {
		a = respond(got)
	}
	if a.Status == 0 {
		a.Status = http.StatusOK
	}
	if a.RetryAfter != "" {
		w.Header().Set("Retry-After", a.RetryAfter)
	}
	if a.Status < 200 || a.Status > 299 {
		writeStatus(w, a.Status, a.Message)
		return
	}
	recs := r.asm.Add(spans...)
	r.mu.Lock()
	r.records = append(r.records, recs...)
	r.mu.Unlock()
	resp := &collectorpb.ExportTraceServiceResponse{}
	if a.RejectedSpans != 0 || a.Message != "" {
		resp.PartialSuccess = &collectorpb.ExportTracePartialSuccess{RejectedSpans: a.RejectedSpans, ErrorMessage: a.Message}
	}
	writeProto(w, a.Status, resp)
}

// writeStatus answers with a google.rpc.Status, as OTLP/HTTP errors are.
func writeStatus(w http.ResponseWriter, status int, message string) {
	writeProto(w, status, &statuspb.Status{Message: message})
}

func writeProto(w http.ResponseWriter, status int, m proto.Message) {
	data, err := proto.Marshal(m)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}
