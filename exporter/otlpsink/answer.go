package otlpsink

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/hivetrace/hivetrace/exporter"
)

// contentType is the media type of OTLP/HTTP protobuf requests and answers.
const contentType = "application/x-protobuf"

// maxAnswerBytes caps the part of an answer's body that is read.
const maxAnswerBytes = 64 << 10

// maxMessage caps the part of an error body that is not a google.rpc.Status
// kept as its message.
const maxMessage = 512

// maxRetryAfter caps the delay read from a Retry-After header.
const maxRetryAfter = 24 * time.Hour

// answer is what came of one request.
type answer struct {
	status     int // 0 when there was no answer
	network    bool
	retryAfter time.Duration
	err        error // nil for a 2xx answer
	response   *collectorpb.ExportTraceServiceResponse
}

// readAnswer reads the answer of a request to endpoint.
func readAnswer(endpoint string, resp *http.Response) answer {
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	a := answer{status: resp.StatusCode}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		// The spans are accepted; an unreadable body takes nothing away.
		var r collectorpb.ExportTraceServiceResponse
		if readErr == nil && len(body) > 0 && proto.Unmarshal(body, &r) == nil {
			a.response = &r
		}
		return a
	}
	a.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	a.err = fmt.Errorf("otlpsink: POST %s: %s%s", endpoint, resp.Status, errorMessage(body))
	return a
}

// retryable reports whether the runs may be sent again: after a network
// failure, or a 429, 502, 503 or 504 answer (the OTLP/HTTP specification's
// retryable answers).
func (a answer) retryable() bool {
	switch a.status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	default:
		return a.network
	}
}

// partialSuccess returns the partial success of a 2xx answer, or nil when
// it accepted everything without a message.
func (a answer) partialSuccess() *exporter.PartialSuccessError {
	ps := a.response.GetPartialSuccess()
	if ps.GetRejectedSpans() == 0 && ps.GetErrorMessage() == "" {
		return nil
	}
	return &exporter.PartialSuccessError{RejectedSpans: ps.GetRejectedSpans(), Message: ps.GetErrorMessage()}
}

// errorMessage returns ": " and the message of an error body, a
// google.rpc.Status as the specification says or else the start of the
// text; "" for an empty one.
func errorMessage(body []byte) string {
	var st statuspb.Status
	if len(body) > 0 && proto.Unmarshal(body, &st) == nil && st.GetMessage() != "" {
		return ": " + st.GetMessage()
	}
	msg := strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD"))
	if msg == "" || !isText(msg) {
		return ""
	}
	if len(msg) > maxMessage {
		msg = strings.ToValidUTF8(msg[:maxMessage], "") + "…"
	}
	return ": " + msg
}

// isText reports whether s holds no control characters but whitespace.
func isText(s string) bool {
	for _, r := range s {
		if r < ' ' && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
// It returns 0 for an absent or unreadable header and for a date in the
// past, and caps the delay at maxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return min(max(at.Sub(now), 0), maxRetryAfter)
	}
	return 0
}
