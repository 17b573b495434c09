package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchRecord returns a record of about size bytes: the shape the task
// package sends (boundaries, metadata, metrics, timing), its input padded
// with objects of strings and numbers.
func benchRecord(size int) string {
	var input strings.Builder
	input.WriteString(`{"userId":"u-1029","items":[`)
	for i := 0; input.Len() < size-700; i++ {
		if i > 0 {
			input.WriteByte(',')
		}
		fmt.Fprintf(&input, `{"sku":"SKU-%06d","name":"Item n\u00b0%d \"quoted\"","qty":%d,"price":%d.%02d,"tags":["a","b"]}`,
			i, i, i%7+1, i%500, i%100)
	}
	input.WriteString(`]}`)
	return `{"uuid":"0193a000-0000-7000-8000-000000000001","taskName":"getUserReport","input":` + input.String() +
		`,"output":{"ok":true,"total":1234.5},"type":"success",` +
		`"boundaries":{"fetchUser":[{"input":["u-1029"],"output":{"id":"u-1029","name":"Ada"},` +
		`"timing":{"startTime":1795633372498,"endTime":1795633372502,"duration":4.25}}],"sendMail":[]},` +
		`"metadata":{"requestId":"req-1","env":"prod"},"metrics":[{"type":"business","name":"score","value":10}],` +
		`"timing":{"startTime":1795633372497,"endTime":1795633372505,"duration":8}}`
}

// BenchmarkParseLogItem measures the strict check of a record: the ingest
// body's decoding and the record's (decodeIngestRequest, then parseLogItem),
// for a record sent as a JSON string (the Hive wire format) and as an
// object. MB/s counts the record's bytes.
func BenchmarkParseLogItem(b *testing.B) {
	for _, size := range []struct {
		name  string
		bytes int
	}{{"1KB", 1 << 10}, {"1MiB", 1 << 20}} {
		rec := benchRecord(size.bytes)
		quoted, err := json.Marshal(rec)
		if err != nil {
			b.Fatal(err)
		}
		for _, form := range []struct {
			name string
			item string
		}{{"string", string(quoted)}, {"object", rec}} {
			body := []byte(`{"projectUuid":"0193a000-0000-7000-8000-00000000000p","taskUuid":"","logItem":` + form.item + `}`)
			b.Run(size.name+"/"+form.name, func(b *testing.B) {
				b.SetBytes(int64(len(rec)))
				b.ReportAllocs()
				for b.Loop() {
					req, err := decodeIngestRequest(body)
					if err != nil {
						b.Fatal(err)
					}
					if _, _, err := parseLogItem(req.LogItem, 16<<20); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
