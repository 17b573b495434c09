package recordfile_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/internal/recordfile"
	"github.com/hivetrace/hivetrace/otelrecord"
)

const bareRecord = `{"uuid":"u1","taskName":"getUserReport","input":{"userId":1},"output":{"total":20},"type":"success",
 "boundaries":{"fetchProfile":[{"input":[1],"output":{"id":1}}],"queryOrders":[]},"metadata":{"k":"v"}}`

func TestDecodeShapes(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		format recordfile.Format
		want   otelrecord.ExecutionRecord
	}{
		{"record", bareRecord, recordfile.Record, otelrecord.ExecutionRecord{
			UUID: "u1", TaskName: "getUserReport", Type: otelrecord.TypeSuccess, Output: json.RawMessage(`{"total":20}`)}},
		{"envelope with object", `{"uuid":"u2","taskName":"getUserReport","projectName":"p","logItem":{"input":{"userId":1},"error":"boom","type":"error","boundaries":{}},"replayFrom":null,"createdAt":"2026-01-01T00:00:00Z"}`,
			recordfile.Envelope, otelrecord.ExecutionRecord{UUID: "u2", TaskName: "getUserReport", Type: otelrecord.TypeError, Error: "boom"}},
		{"envelope with string", `{"uuid":"u3","taskName":"t","logItem":"{\"uuid\":\"inner\",\"input\":1,\"output\":2}"}`,
			recordfile.Envelope, otelrecord.ExecutionRecord{UUID: "inner", TaskName: "t", Type: otelrecord.TypeSuccess, Output: json.RawMessage(`2`)}},
		{"wrapped fixture", `{"fixture":{"fixtureUUID":"f1","name":"n","taskName":"t","projectName":"p","type":"success","input":{"a":1},"output":{"b":2},"boundaries":{"x":[{"input":[1],"output":3}]},"context":{}}}`,
			recordfile.WrappedFixture, otelrecord.ExecutionRecord{UUID: "f1", TaskName: "t", Type: otelrecord.TypeSuccess, Output: json.RawMessage(`{"b":2}`)}},
		{"bare fixture with error object", `{"fixtureUUID":"f2","taskName":"t","type":"error","input":{},"error":{"message":"bad"},"boundaries":{"x":null}}`,
			recordfile.Fixture, otelrecord.ExecutionRecord{UUID: "f2", TaskName: "t", Type: otelrecord.TypeError, Error: "bad"}},
		{"type inferred", `{"taskName":"t","input":1,"error":"no"}`, recordfile.Record,
			otelrecord.ExecutionRecord{TaskName: "t", Type: otelrecord.TypeError, Error: "no"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := recordfile.Decode([]byte(tt.data))
			require.NoError(t, err)
			assert.Equal(t, tt.format, f.Format)
			r := f.Record
			assert.Equal(t, tt.want.UUID, r.UUID)
			assert.Equal(t, tt.want.TaskName, r.TaskName)
			assert.Equal(t, tt.want.Type, r.Type)
			assert.Equal(t, tt.want.Error, r.Error)
			if tt.want.Output != nil {
				assert.JSONEq(t, string(tt.want.Output), string(r.Output))
			} else {
				assert.Nil(t, r.Output)
			}
			for name, calls := range r.Boundaries {
				assert.NotNil(t, calls, "boundary %s", name)
			}
		})
	}
}

func TestDecodeFixtureBoundaries(t *testing.T) {
	f, err := recordfile.Decode([]byte(`{"fixture":{"fixtureUUID":"f1","taskName":"t","input":{"a":1},"output":3,"boundaries":{"x":[{"input":[1],"output":3}]}}}`))
	require.NoError(t, err)
	require.Len(t, f.Record.Boundaries["x"], 1)
	assert.JSONEq(t, `[1]`, string(f.Record.Boundaries["x"][0].Input))
	assert.JSONEq(t, `{"a":1}`, string(f.Record.Input))
}

func TestDecodeFixtureContextIsMetadata(t *testing.T) {
	f, err := recordfile.Decode([]byte(`{"fixtureUUID":"f1","taskName":"t","input":1,"output":2,"boundaries":{},"context":{"requestId":"r-1","n":3}}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"requestId": "r-1"}, f.Record.Metadata)

	f, err = recordfile.Decode([]byte(`{"fixtureUUID":"f1","taskName":"t","input":1,"output":2,"boundaries":{},"context":{}}`))
	require.NoError(t, err)
	assert.Nil(t, f.Record.Metadata)
}

func TestDecodeErrors(t *testing.T) {
	for _, data := range []string{``, `[]`, `"x"`, `{`, `{"logItem":5}`, `{"logItem":"nope"}`, `{"fixture":[1]}`,
		`{"fixtureUUID":"f","boundaries":7}`, `{"input":1,"boundaries":{"x":5}}`, `{"logItem":"\"x"}`} {
		_, err := recordfile.Decode([]byte(data))
		require.ErrorIs(t, err, recordfile.ErrFormat, "data %q", data)
	}
}

func TestWithResultKeepsShapeAndOrder(t *testing.T) {
	success := &otelrecord.ExecutionRecord{Type: otelrecord.TypeSuccess, Output: json.RawMessage(`{"total":21}`)}
	failure := &otelrecord.ExecutionRecord{Type: otelrecord.TypeError, Error: "profile 1: 404"}

	f, err := recordfile.Decode([]byte(bareRecord))
	require.NoError(t, err)
	out, err := f.WithResult(failure)
	require.NoError(t, err)
	g, err := recordfile.Decode(out)
	require.NoError(t, err)
	assert.Equal(t, "profile 1: 404", g.Record.Error)
	assert.Nil(t, g.Record.Output)
	assert.Equal(t, "v", g.Record.Metadata["k"], "other members kept")
	assert.Less(t, indexOf(out, `"uuid"`), indexOf(out, `"taskName"`), "order kept:\n%s", out)

	for _, data := range []string{
		`{"uuid":"u3","taskName":"t","logItem":"{\"input\":1,\"error\":\"x\",\"type\":\"error\"}"}`,
		`{"uuid":"u3","taskName":"t","logItem":{"input":1,"output":1}}`,
		`{"fixture":{"fixtureUUID":"f1","taskName":"t","input":1,"output":1,"boundaries":{}}}`,
		`{"fixtureUUID":"f1","taskName":"t","input":1,"error":"e","boundaries":{}}`,
	} {
		f, err := recordfile.Decode([]byte(data))
		require.NoError(t, err)
		out, err := f.WithResult(success)
		require.NoError(t, err)
		g, err := recordfile.Decode(out)
		require.NoError(t, err, "%s", out)
		assert.Equal(t, f.Format, g.Format)
		assert.Equal(t, otelrecord.TypeSuccess, g.Record.Type)
		assert.Empty(t, g.Record.Error)
		assert.JSONEq(t, `{"total":21}`, string(g.Record.Output))
		assert.Equal(t, f.Record.UUID, g.Record.UUID)
	}
}

func indexOf(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}
