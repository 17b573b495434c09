package server

import (
	"bytes"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// otlpExport is what the server reads of one OTLP trace export: for each
// resource, the attributes that name its project and the spans that follow
// the convention (those with a hive.kind attribute). Spans outside the
// convention are only counted.
type otlpExport struct {
	resources []otlpResource
	// spans is the number of spans of the export, outside ones included.
	spans int
	// outside is the number of spans without a hive.kind attribute.
	outside int
}

// otlpResource is one ResourceSpans of an export.
type otlpResource struct {
	attrs resourceAttrs
	spans []otlpSpan
}

// resourceAttrs are the resource attributes that name a project.
type resourceAttrs struct {
	projectUUID, projectName, serviceName string
	// badType names an attribute of the three that is not a string.
	badType string
}

// otlpSpan is one span of the convention as it came: the bytes of its
// protobuf message (OTLP/HTTP protobuf) or the decoded message (OTLP/gRPC,
// OTLP/HTTP JSON).
type otlpSpan struct {
	raw []byte
	msg *tracepb.Span
}

// resourceServiceName is the semantic conventions' service name, which
// names the project when hive.project.name is absent.
const resourceServiceName = "service.name"

// Field numbers of the OTLP trace messages the scanner reads.
const (
	fieldRequestResourceSpans = 1 // ExportTraceServiceRequest.resource_spans
	fieldResourceSpansRes     = 1 // ResourceSpans.resource
	fieldResourceSpansScopes  = 2 // ResourceSpans.scope_spans
	fieldResourceAttributes   = 1 // Resource.attributes
	fieldScopeSpansSpans      = 2 // ScopeSpans.spans
	fieldSpanAttributes       = 9 // Span.attributes
	fieldKeyValueKey          = 1 // KeyValue.key
	fieldKeyValueValue        = 2 // KeyValue.value
	fieldAnyValueString       = 1 // AnyValue.string_value
)

// errMalformed is wrapped by the errors of an export that cannot be
// decoded.
var errMalformed = errors.New("malformed OTLP trace export")

// kindKey is the convention's hive.kind as bytes, for the scanner.
var kindKey = []byte(otelrecord.KindKey)

// scanExport reads an ExportTraceServiceRequest in the protobuf encoding
// without decoding it: it walks the messages down to each span's attribute
// keys, keeps the bytes of the spans that carry hive.kind (they are decoded
// later, one by one) and skips the others. A span's bytes are a slice of
// data. The error, wrapping errMalformed, reports framing that does not
// parse; what lies inside a skipped field is not checked.
func scanExport(data []byte) (otlpExport, error) {
	var exp otlpExport
	err := eachField(data, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != fieldRequestResourceSpans {
			return nil
		}
		if typ != protowire.BytesType {
			return fmt.Errorf("%w: resource_spans has wire type %d", errMalformed, typ)
		}
		rs, err := scanResourceSpans(v, &exp)
		if err != nil {
			return err
		}
		exp.resources = append(exp.resources, rs)
		return nil
	})
	return exp, err
}

func scanResourceSpans(data []byte, exp *otlpExport) (otlpResource, error) {
	var rs otlpResource
	err := eachField(data, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch num {
		case fieldResourceSpansRes:
			if typ != protowire.BytesType {
				return fmt.Errorf("%w: resource has wire type %d", errMalformed, typ)
			}
			return scanResource(v, &rs.attrs)
		case fieldResourceSpansScopes:
			if typ != protowire.BytesType {
				return fmt.Errorf("%w: scope_spans has wire type %d", errMalformed, typ)
			}
			return eachField(v, func(num protowire.Number, typ protowire.Type, span []byte) error {
				if num != fieldScopeSpansSpans {
					return nil
				}
				if typ != protowire.BytesType {
					return fmt.Errorf("%w: spans has wire type %d", errMalformed, typ)
				}
				exp.spans++
				conv, err := hasKind(span)
				if err != nil {
					return err
				}
				if !conv {
					exp.outside++
					return nil
				}
				rs.spans = append(rs.spans, otlpSpan{raw: span})
				return nil
			})
		}
		return nil
	})
	return rs, err
}

// scanResource reads the project attributes of a Resource message.
func scanResource(data []byte, attrs *resourceAttrs) error {
	return eachField(data, func(num protowire.Number, typ protowire.Type, kv []byte) error {
		if num != fieldResourceAttributes {
			return nil
		}
		if typ != protowire.BytesType {
			return fmt.Errorf("%w: resource attributes have wire type %d", errMalformed, typ)
		}
		key, value, err := scanKeyValue(kv)
		if err != nil {
			return err
		}
		var dst *string
		switch string(key) {
		case string(otlpspan.ProjectUUIDKey):
			dst = &attrs.projectUUID
		case string(otlpspan.ProjectNameKey):
			dst = &attrs.projectName
		case resourceServiceName:
			dst = &attrs.serviceName
		default:
			return nil
		}
		s, ok, err := scanStringValue(value)
		if err != nil {
			return err
		}
		if !ok {
			attrs.badType = string(key)
			return nil
		}
		*dst = s
		return nil
	})
}

// hasKind reports whether a Span message has an attribute keyed hive.kind.
func hasKind(span []byte) (bool, error) {
	found := false
	err := eachField(span, func(num protowire.Number, typ protowire.Type, kv []byte) error {
		if num != fieldSpanAttributes || found {
			return nil
		}
		if typ != protowire.BytesType {
			return fmt.Errorf("%w: span attributes have wire type %d", errMalformed, typ)
		}
		key, _, err := scanKeyValue(kv)
		if err != nil {
			return err
		}
		found = bytes.Equal(key, kindKey)
		return nil
	})
	return found, err
}

// scanKeyValue returns the key and the AnyValue bytes of a KeyValue
// message (the last of each, as protobuf merges repeated scalars).
func scanKeyValue(kv []byte) (key, value []byte, err error) {
	err = eachField(kv, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == fieldKeyValueKey && typ == protowire.BytesType:
			key = v
		case num == fieldKeyValueValue && typ == protowire.BytesType:
			value = v
		}
		return nil
	})
	return key, value, err
}

// scanStringValue returns the string of an AnyValue message; false when
// it holds another kind of value.
func scanStringValue(value []byte) (string, bool, error) {
	var s []byte
	var isString, other bool
	err := eachField(value, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num == fieldAnyValueString && typ == protowire.BytesType {
			s, isString, other = v, true, false
		} else {
			other = true
		}
		return nil
	})
	if err != nil || !isString || other {
		return "", false, err
	}
	return string(s), true, nil
}

// eachField calls fn with each field of a protobuf message: its number, its
// wire type and, for a length-delimited field, its bytes (nil for the other
// types, whose values the server never reads here).
func eachField(data []byte, fn func(protowire.Number, protowire.Type, []byte) error) error {
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return fmt.Errorf("%w: %w", errMalformed, protowire.ParseError(n))
		}
		if !num.IsValid() {
			return fmt.Errorf("%w: invalid field number %d", errMalformed, num)
		}
		data = data[n:]
		var v []byte
		if typ == protowire.BytesType {
			v, n = protowire.ConsumeBytes(data)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, data)
		}
		if n < 0 {
			return fmt.Errorf("%w: field %d: %w", errMalformed, num, protowire.ParseError(n))
		}
		data = data[n:]
		if err := fn(num, typ, v); err != nil {
			return err
		}
	}
	return nil
}

// exportOf reads a decoded ExportTraceServiceRequest as scanExport reads
// the encoded one: the spans of the convention are kept as decoded
// messages.
func exportOf(req *coltracepb.ExportTraceServiceRequest) otlpExport {
	var exp otlpExport
	for _, rs := range req.GetResourceSpans() {
		var r otlpResource
		for _, kv := range rs.GetResource().GetAttributes() {
			readResourceAttr(kv, &r.attrs)
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				exp.spans++
				if !spanHasKind(sp) {
					exp.outside++
					continue
				}
				r.spans = append(r.spans, otlpSpan{msg: sp})
			}
		}
		exp.resources = append(exp.resources, r)
	}
	return exp
}

func readResourceAttr(kv *commonpb.KeyValue, attrs *resourceAttrs) {
	var dst *string
	switch kv.GetKey() {
	case string(otlpspan.ProjectUUIDKey):
		dst = &attrs.projectUUID
	case string(otlpspan.ProjectNameKey):
		dst = &attrs.projectName
	case resourceServiceName:
		dst = &attrs.serviceName
	default:
		return
	}
	sv, ok := kv.GetValue().GetValue().(*commonpb.AnyValue_StringValue)
	if !ok {
		attrs.badType = kv.GetKey()
		return
	}
	*dst = sv.StringValue
}

func spanHasKind(sp *tracepb.Span) bool {
	for _, kv := range sp.GetAttributes() {
		if kv.GetKey() == string(otelrecord.KindKey) {
			return true
		}
	}
	return false
}
