package hivesink_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/exporter/hivesink"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// bigRecord is a record with a large input, a medium output and a large
// boundary call output.
func bigRecord(id string) *otelrecord.ExecutionRecord {
	r := record(id, "report")
	r.Input = json.RawMessage(`{"blob":"` + strings.Repeat("i", 64<<10) + `"}`)
	r.Output = jsonString(2 << 10)
	r.Metadata = map[string]string{"requestId": "req-1"}
	r.Boundaries = map[string][]otelrecord.BoundaryRecord{
		"fetch": {{Input: json.RawMessage(`[1]`), Output: jsonString(20 << 10)}},
		"idle":  nil,
	}
	return r
}

func jsonSize(t *testing.T, r *otelrecord.ExecutionRecord) int {
	t.Helper()
	data, err := json.Marshal(r)
	require.NoError(t, err)
	return len(data)
}

func TestDeliverTrimsARecordTheServerRefuses(t *testing.T) {
	for name, batches := range map[string]bool{"batches": true, "singles": false} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFakeHive(t)
			if !batches {
				f.withoutBatchRoute()
			}
			f.limits(8<<10, 0, true)
			reader, mp := meter(t)
			s := hivesink.New(newClient(t, srv.URL), hivesink.WithMeterProvider(mp))
			big := bigRecord("big")
			original := jsonSize(t, big)

			require.NoError(t, s.Deliver(ctxT(t), big, record("small", "report")))
			stored := f.storedByUUID()
			require.Len(t, stored, 2)
			assert.Equal(t, record("small", "report").Input, stored["small"].Input, "a record that fits is sent whole")
			got := stored["big"]
			assert.LessOrEqual(t, jsonSize(t, got), 4<<10, "trimmed under half the server's limit")
			assert.Equal(t, strconv.Itoa(original), got.Metadata[otelrecord.MetadataTrimmed], "marked with its original size")
			assert.Equal(t, "req-1", got.Metadata["requestId"])
			marker, ok := otelrecord.IsTruncated(got.Input)
			require.True(t, ok, "the largest payload is a truncation marker: %s", got.Input)
			assert.Equal(t, len(big.Input), marker.OriginalSize)
			assert.True(t, strings.HasPrefix(string(big.Input), marker.Preview), "the marker keeps a preview")
			_, ok = otelrecord.IsTruncated(got.Boundaries["fetch"][0].Output)
			assert.True(t, ok, "a large boundary output is trimmed too")
			assert.JSONEq(t, `[1]`, string(got.Boundaries["fetch"][0].Input), "small payloads are kept")
			assert.Contains(t, got.Boundaries, "idle")
			assert.Equal(t, 2, f.attemptsFor("big"), "refused once, stored trimmed")

			assert.Len(t, big.Input, 64<<10+11, "the caller's record is not modified")
			assert.NotContains(t, big.Metadata, otelrecord.MetadataTrimmed)
			assert.Len(t, big.Boundaries["fetch"][0].Output, 20<<10)
			assert.Equal(t, map[string]int64{hivesink.DeliveredCounter: 2, hivesink.TrimmedCounter: 1}, counters(t, reader))
		})
	}
}

func TestDeliverHalvesRecordsWithoutAStatedLimit(t *testing.T) {
	for name, batches := range map[string]bool{"batches": true, "singles": false} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFakeHive(t)
			if !batches {
				f.withoutBatchRoute()
			}
			f.limits(10<<10, 0, false)
			s := hivesink.New(newClient(t, srv.URL))
			r := record("many", "report")
			var calls []otelrecord.BoundaryRecord
			for range 40 {
				calls = append(calls, otelrecord.BoundaryRecord{Input: json.RawMessage(`[1]`), Output: jsonString(2500)})
			}
			r.Boundaries = map[string][]otelrecord.BoundaryRecord{"fetch": calls}
			original := jsonSize(t, r)

			require.NoError(t, s.Deliver(ctxT(t), r))
			got := f.storedByUUID()["many"]
			require.NotNil(t, got)
			assert.Greater(t, f.attemptsFor("many"), 2, "the size is halved attempt after attempt")
			assert.LessOrEqual(t, jsonSize(t, got), 10<<10)
			assert.Equal(t, strconv.Itoa(original), got.Metadata[otelrecord.MetadataTrimmed])
			assert.Len(t, got.Boundaries["fetch"], 40, "every call is kept")
		})
	}
}

func TestDeliverRejectsARecordThatCannotBeTrimmed(t *testing.T) {
	for name, stated := range map[string]bool{"stated limit": true, "no stated limit": false} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFakeHive(t)
			f.limits(8<<10, 0, stated)
			reader, mp := meter(t)
			s := hivesink.New(newClient(t, srv.URL), hivesink.WithMeterProvider(mp))
			r := record("long-error", "report")
			r.Type, r.Output, r.Error = otelrecord.TypeError, nil, strings.Repeat("e", 50<<10)

			err := s.Deliver(ctxT(t), r, record("ok", "report"))
			rejected, failed := splitErrors(t, err)
			assert.Nil(t, failed)
			require.NotNil(t, rejected, "never dropped silently")
			assert.Equal(t, 1, rejected.Failed)
			var apiErr *hive.APIError
			require.ErrorAs(t, rejected, &apiErr)
			assert.Equal(t, http.StatusRequestEntityTooLarge, apiErr.StatusCode)
			assert.Contains(t, rejected.Error(), "does not fit")
			assert.LessOrEqual(t, f.attemptsFor("long-error"), 3)
			assert.Equal(t, map[string]int64{hivesink.DeliveredCounter: 1}, counters(t, reader))
		})
	}
}

func TestDeliverSplitsABatchTheServerRefusesAsTooLarge(t *testing.T) {
	for name, stated := range map[string]bool{"stated limit": true, "no stated limit": false} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFakeHive(t)
			f.limits(0, 6000, stated)
			s := hivesink.New(newClient(t, srv.URL))
			var recs []*otelrecord.ExecutionRecord
			for _, r := range records(10, "r") {
				r.Input = jsonString(1000)
				recs = append(recs, r)
			}
			require.NoError(t, s.Deliver(ctxT(t), recs...))
			assert.Len(t, f.records(), 10, "every record stored once")
			refused := f.refusedBodies()
			assert.Positive(t, refused, "the first batch is refused whole")
			for _, r := range recs {
				assert.Equal(t, 1, f.attemptsFor(r.UUID), "%s stored at its first item attempt", r.UUID)
			}

			require.NoError(t, s.Deliver(ctxT(t), recs...))
			assert.Len(t, f.records(), 20)
			if stated {
				assert.Equal(t, refused, f.refusedBodies(), "the stated limit is remembered: no batch is refused again")
			}
		})
	}
}

func TestDeliverTrimsALoneRecordOverTheBodyLimit(t *testing.T) {
	f, srv := newFakeHive(t)
	f.limits(0, 8<<10, true)
	s := hivesink.New(newClient(t, srv.URL))
	big := bigRecord("big")
	require.NoError(t, s.Deliver(ctxT(t), big))
	got := f.storedByUUID()["big"]
	require.NotNil(t, got)
	assert.LessOrEqual(t, jsonSize(t, got), 4<<10)
	assert.Contains(t, got.Metadata, otelrecord.MetadataTrimmed)
}

func TestTrimRecord(t *testing.T) {
	big := bigRecord("big")
	big.Output = json.RawMessage(`{"hive.truncated":true,"originalSize":99999,"preview":""}`) // trimmed before
	original := jsonSize(t, big)

	got, data := hivesink.TrimRecord(big, original, 2<<10)
	require.NotNil(t, data)
	assert.LessOrEqual(t, len(data), 2<<10)
	var back otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal(data, &back), "the trimmed record is valid JSON")
	assert.Equal(t, big.Output, got.Output, "a marker is not trimmed again")
	assert.Equal(t, strconv.Itoa(original), got.Metadata[otelrecord.MetadataTrimmed])
	_, ok := otelrecord.IsTruncated(got.Input)
	assert.True(t, ok)

	again, _ := hivesink.TrimRecord(got, 123, 1<<10)
	assert.Equal(t, strconv.Itoa(original), again.Metadata[otelrecord.MetadataTrimmed], "the first original size is kept")
	m, ok := otelrecord.IsTruncated(again.Input)
	require.True(t, ok)
	assert.Equal(t, len(big.Input), m.OriginalSize, "a marker is never the marker of a marker")

	fits, data := hivesink.TrimRecord(record("small", "t"), 100, 1<<20)
	assert.Equal(t, record("small", "t").Input, fits.Input, "nothing is cut when the record fits")
	assert.NotNil(t, data)
}
