package server

import (
	"mime"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
)

// otlpEncoding is the encoding of an OTLP/HTTP request, which its answer
// uses too.
type otlpEncoding int

const (
	otlpProtobuf otlpEncoding = iota // application/x-protobuf
	otlpJSON                         // application/json
)

// Content types of OTLP/HTTP.
const (
	contentTypeProtobuf = "application/x-protobuf"
	contentTypeJSON     = "application/json"
)

// otlpEncodingOf returns the encoding a Content-Type names; false when it
// is not one of OTLP/HTTP's.
func otlpEncodingOf(contentType string) (otlpEncoding, bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return otlpProtobuf, false
	}
	switch mt {
	case contentTypeProtobuf:
		return otlpProtobuf, true
	case contentTypeJSON:
		return otlpJSON, true
	}
	return otlpProtobuf, false
}

func (e otlpEncoding) contentType() string {
	if e == otlpJSON {
		return contentTypeJSON
	}
	return contentTypeProtobuf
}

// marshal encodes m in the encoding.
func (e otlpEncoding) marshal(m proto.Message) ([]byte, error) {
	if e == otlpJSON {
		return protojson.Marshal(m)
	}
	return proto.Marshal(m)
}

// writeOTLP answers status with m in the encoding.
func writeOTLP(w http.ResponseWriter, enc otlpEncoding, status int, m proto.Message) {
	body, err := enc.marshal(m)
	if err != nil { // the server's own messages always encode
		status, body = http.StatusInternalServerError, nil
	}
	w.Header().Set("Content-Type", enc.contentType())
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // an error here is a client gone away
}

// otlpFailure is a failed OTLP export: the HTTP status, the gRPC code and
// the message, and for a retryable failure how long to wait.
type otlpFailure struct {
	status     int
	code       codes.Code
	msg        string
	retryAfter time.Duration
	// badRequest adds a google.rpc.BadRequest detail: the data is at fault.
	badRequest bool
}

// Error implements error.
func (f *otlpFailure) Error() string { return f.msg }

// grpcCodeOf returns the gRPC code that goes with an HTTP status.
func grpcCodeOf(status int) codes.Code {
	switch status {
	case http.StatusBadRequest:
		return codes.InvalidArgument
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case http.StatusRequestEntityTooLarge:
		return codes.ResourceExhausted
	case http.StatusUnsupportedMediaType:
		return codes.InvalidArgument
	case http.StatusServiceUnavailable, http.StatusRequestTimeout:
		return codes.Unavailable
	default:
		return codes.Internal
	}
}

// status returns the google.rpc.Status that describes the failure, with a
// RetryInfo detail when it is retryable after a wait and a BadRequest
// detail when the data is at fault.
func (f *otlpFailure) statusProto() *statuspb.Status {
	st := &statuspb.Status{Code: int32(f.code), Message: f.msg}
	if f.retryAfter > 0 {
		if d, err := anypb.New(&errdetails.RetryInfo{RetryDelay: durationpb.New(f.retryAfter)}); err == nil {
			st.Details = append(st.Details, d)
		}
	}
	if f.badRequest {
		br := &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Description: f.msg}}}
		if d, err := anypb.New(br); err == nil {
			st.Details = append(st.Details, d)
		}
	}
	return st
}

// writeOTLPFailure answers a failed OTLP/HTTP export: its status, a
// google.rpc.Status body in the encoding, and Retry-After (in seconds,
// rounded up) when it is retryable after a wait.
func writeOTLPFailure(w http.ResponseWriter, enc otlpEncoding, f *otlpFailure) {
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(f.retryAfter))
	}
	if f.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hive"`)
	}
	writeOTLP(w, enc, f.status, f.statusProto())
}

// failuref returns a failure with the status and the gRPC code that goes
// with it.
func failuref(status int, msg string) *otlpFailure {
	return &otlpFailure{status: status, code: grpcCodeOf(status), msg: msg}
}
