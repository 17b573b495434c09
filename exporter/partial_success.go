package exporter

import "fmt"

// PartialSuccessError is what a SpanSink returns when its receiver accepted
// a batch but rejected some of its spans (the partial_success of an OTLP
// export response): the batch counts as delivered and is not sent again.
// The record processor counts RejectedSpans under DropReasonPartialSuccess
// and reports the error through otel.Handle (at most once per drop warning
// interval, as every delivery error). A RejectedSpans of 0 with a Message is
// a warning from the receiver: reported, nothing counted.
type PartialSuccessError struct {
	// RejectedSpans is the number of spans the receiver rejected.
	RejectedSpans int64
	// Message is the receiver's explanation, possibly empty.
	Message string
}

// Error says how many spans the receiver rejected and why.
func (e *PartialSuccessError) Error() string {
	msg := fmt.Sprintf("exporter: receiver rejected %d spans", e.RejectedSpans)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// partialSuccesses returns the *PartialSuccessError values in err's tree
// and reports whether the tree holds nothing else: then the batch was
// delivered.
func partialSuccesses(err error, out []*PartialSuccessError) ([]*PartialSuccessError, bool) {
	switch e := err.(type) {
	case nil:
		return out, true
	case *PartialSuccessError:
		if e != nil {
			out = append(out, e)
		}
		return out, true
	case interface{ Unwrap() []error }:
		only := true
		for _, inner := range e.Unwrap() {
			var innerOnly bool
			out, innerOnly = partialSuccesses(inner, out)
			only = only && innerOnly
		}
		return out, only
	case interface{ Unwrap() error }:
		return partialSuccesses(e.Unwrap(), out)
	default:
		return out, false
	}
}
