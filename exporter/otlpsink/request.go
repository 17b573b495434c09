package otlpsink

import (
	"errors"
	"slices"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/hivetrace/hivetrace/exporter"
)

// Field numbers of the OTLP messages the request is assembled from, on the
// wire: ExportTraceServiceRequest (and TracesData) holds repeated
// ResourceSpans in field 1; ResourceSpans holds its Resource in field 1,
// repeated ScopeSpans in field 2 and its schema URL in field 3; Resource
// holds repeated KeyValue attributes in field 1.
const (
	fieldResourceSpans protowire.Number = 1
	fieldResource      protowire.Number = 1
	fieldScopeSpans    protowire.Number = 2
	fieldSchemaURL     protowire.Number = 3
)

// errMalformed is the cause of a run whose TracesData cannot be read.
var errMalformed = errors.New("malformed OTLP TracesData")

// resourceSpans is one ResourceSpans of a run's TracesData, its parts kept
// as encoded.
type resourceSpans struct {
	resource []byte // the Resource message; nil when absent
	schema   string
	scopes   [][]byte // the ScopeSpans messages
}

// request assembles the body of an ExportTraceServiceRequest from the
// TracesData of runs, at the wire level: the ScopeSpans are copied as they
// are, those of runs sharing a resource (and schema URL) under one
// ResourceSpans, whose resource gets the extra attributes.
type request struct {
	extra  []*commonpb.KeyValue
	groups []*resourceSpans
	byKey  map[string]*resourceSpans
}

func newRequest(extra []*commonpb.KeyValue) *request {
	return &request{extra: extra, byKey: make(map[string]*resourceSpans)}
}

// add adds the spans of one run; a run that cannot be read is not added
// and is reported with an error wrapping errMalformed.
func (r *request) add(run *exporter.RunSpans) error {
	parts, err := parseTracesData(run.TracesData)
	if err != nil {
		return err
	}
	for _, p := range parts {
		key := string(p.resource) + "\x00" + p.schema
		g := r.byKey[key]
		if g == nil {
			g = &resourceSpans{resource: p.resource, schema: p.schema}
			r.byKey[key] = g
			r.groups = append(r.groups, g)
		}
		g.scopes = append(g.scopes, p.scopes...)
	}
	return nil
}

// body returns the encoded request.
func (r *request) body() ([]byte, error) {
	var out, rs []byte
	for _, g := range r.groups {
		res, err := withAttributes(g.resource, r.extra)
		if err != nil {
			return nil, err
		}
		rs = rs[:0]
		if res != nil {
			rs = protowire.AppendTag(rs, fieldResource, protowire.BytesType)
			rs = protowire.AppendBytes(rs, res)
		}
		for _, sc := range g.scopes {
			rs = protowire.AppendTag(rs, fieldScopeSpans, protowire.BytesType)
			rs = protowire.AppendBytes(rs, sc)
		}
		if g.schema != "" {
			rs = protowire.AppendTag(rs, fieldSchemaURL, protowire.BytesType)
			rs = protowire.AppendString(rs, g.schema)
		}
		out = protowire.AppendTag(out, fieldResourceSpans, protowire.BytesType)
		out = protowire.AppendBytes(out, rs)
	}
	return out, nil
}

// withAttributes returns the encoded resource with extra attributes,
// replacing those of the same keys; the resource unchanged when there are
// none.
func withAttributes(resource []byte, extra []*commonpb.KeyValue) ([]byte, error) {
	if len(extra) == 0 {
		return resource, nil
	}
	var res resourcepb.Resource
	if err := proto.Unmarshal(resource, &res); err != nil {
		return nil, errors.Join(errMalformed, err)
	}
	res.Attributes = slices.DeleteFunc(res.Attributes, func(kv *commonpb.KeyValue) bool {
		return slices.ContainsFunc(extra, func(e *commonpb.KeyValue) bool { return e.GetKey() == kv.GetKey() })
	})
	res.Attributes = append(res.Attributes, extra...)
	return proto.Marshal(&res)
}

// parseTracesData splits an encoded TracesData into its ResourceSpans.
func parseTracesData(b []byte) ([]resourceSpans, error) {
	var out []resourceSpans
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != fieldResourceSpans || typ != protowire.BytesType {
			return nil // not part of TracesData: left out
		}
		rs, err := parseResourceSpans(v)
		if err != nil {
			return err
		}
		out = append(out, rs)
		return nil
	})
	return out, err
}

// parseResourceSpans splits an encoded ResourceSpans into its parts.
func parseResourceSpans(b []byte) (resourceSpans, error) {
	var rs resourceSpans
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case fieldResource:
			rs.resource = v
		case fieldScopeSpans:
			rs.scopes = append(rs.scopes, v)
		case fieldSchemaURL:
			rs.schema = string(v)
		}
		return nil
	})
	return rs, err
}

// fields calls fn with each field of an encoded message: its number, wire
// type and, for a length-delimited field, its content.
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errors.Join(errMalformed, protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		if typ == protowire.BytesType {
			v, n = protowire.ConsumeBytes(b)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errors.Join(errMalformed, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, typ, v); err != nil {
			return err
		}
	}
	return nil
}
