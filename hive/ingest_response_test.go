package hive

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIngestResponseLogItemForms(t *testing.T) {
	const rec = `{"uuid":"u-1","taskName":"t","type":"success"}`
	quoted, err := json.Marshal(rec)
	require.NoError(t, err)
	for name, item := range map[string]string{"string": string(quoted), "object": rec} {
		var r IngestResponse
		require.NoError(t, json.Unmarshal([]byte(`{"uuid":"u-1","taskName":"t","projectName":"p","logItem":`+item+`,"replayFrom":"u-0","createdAt":"c"}`), &r), name)
		assert.Equal(t, IngestResponse{UUID: "u-1", TaskName: "t", ProjectName: "p", LogItem: rec, ReplayFrom: "u-0", CreatedAt: "c"}, r, name)
		got, err := r.Record()
		require.NoError(t, err)
		assert.Equal(t, "u-1", got.UUID)
	}

	var r IngestResponse
	require.NoError(t, json.Unmarshal([]byte(`{"uuid":"u-1"}`), &r))
	assert.Empty(t, r.LogItem)
	_, err = r.Record()
	assert.ErrorIs(t, err, ErrInvalidResponse)

	assert.Error(t, json.Unmarshal([]byte(`{"logItem":"\x"}`), &r))
}

func FuzzDecodeLogItem(f *testing.F) {
	for _, s := range []string{`"{\"uuid\":\"u\"}"`, `{"uuid":"u"}`, `null`, `""`, `7`, `"{"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := decodeLogItem(data)
		if err == nil && rec == nil {
			t.Fatal("nil record without error")
		}
	})
}
