package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/fidelity"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// hiveRecords reads every record of the project's tasks from the Hive API at
// base (GET /api/tasks/{task}/logs, page after page) and returns them by
// uuid.
func hiveRecords(ctx context.Context, hc *http.Client, base, project string, tasks ...string) (map[string]*otelrecord.ExecutionRecord, error) {
	out := make(map[string]*otelrecord.ExecutionRecord)
	for _, task := range tasks {
		before := ""
		for {
			q := url.Values{"projectUuid": {project}, "limit": {"100"}}
			if before != "" {
				q.Set("before", before)
			}
			page, err := hiveLogPage(ctx, hc, base+"/api/tasks/"+url.PathEscape(task)+"/logs?"+q.Encode())
			if err != nil {
				return nil, err
			}
			for _, e := range page.Logs {
				out[e.UUID] = e.Record
			}
			if page.Next == "" {
				break
			}
			before = page.Next
		}
	}
	return out, nil
}

// hiveLogPage GETs one page of a listing with the test credentials.
func hiveLogPage(ctx context.Context, hc *http.Client, u string) (*hive.LogPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+hiveKey+":"+hiveSecret)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("list records: GET %s: %s: %s", u, resp.Status, body)
	}
	var page hive.LogPage
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, fmt.Errorf("list records: GET %s: %w", u, err)
	}
	return &page, nil
}

// recordComparison counts how the records in Hive compare with the
// reference.
type recordComparison struct {
	stored, equal, incomplete, different, missing, extra int
	firstDiff                                            string
}

// compareRecords compares each reference record with the one of the same
// uuid in got, as JSON (fidelity.Canonical).
func compareRecords(reference, got map[string]*otelrecord.ExecutionRecord) recordComparison {
	c := recordComparison{stored: len(got)}
	for id, w := range reference {
		g, ok := got[id]
		switch {
		case !ok:
			c.missing++
			continue
		case g == nil:
			c.different++
			continue
		}
		if _, partial := g.Metadata[otelrecord.MetadataIncomplete]; partial {
			c.incomplete++
			continue
		}
		wj, werr := fidelity.Canonical(w)
		gj, gerr := fidelity.Canonical(g)
		if werr != nil || gerr != nil || !assert.ObjectsAreEqual(wj, gj) {
			c.different++
			if c.firstDiff == "" {
				c.firstDiff = fmt.Sprintf("record %s of %s:\nin process: %.2000v\nin Hive:    %.2000v", id, w.TaskName, wj, gj)
			}
			continue
		}
		c.equal++
	}
	for id := range got {
		if _, ok := reference[id]; !ok {
			c.extra++
		}
	}
	return c
}

func TestCompareRecords(t *testing.T) {
	rec := func(id, out string, meta map[string]string) *otelrecord.ExecutionRecord {
		return &otelrecord.ExecutionRecord{UUID: id, TaskName: "t", Type: otelrecord.TypeSuccess,
			Input: json.RawMessage(`{"a": 1}`), Output: json.RawMessage(out), Metadata: meta}
	}
	reference := map[string]*otelrecord.ExecutionRecord{
		"same":       rec("same", `{"x":1,"y":2}`, nil),
		"incomplete": rec("incomplete", `1`, nil),
		"different":  rec("different", `1`, nil),
		"missing":    rec("missing", `1`, nil),
	}
	got := map[string]*otelrecord.ExecutionRecord{
		"same":       rec("same", `{ "y": 2, "x": 1 }`, nil), // spacing and key order aside
		"incomplete": rec("incomplete", `1`, map[string]string{otelrecord.MetadataIncomplete: "true"}),
		"different":  rec("different", `2`, nil),
		"extra":      rec("extra", `1`, nil),
	}
	c := compareRecords(reference, got)
	assert.Equal(t, recordComparison{stored: 4, equal: 1, incomplete: 1, different: 1, missing: 1, extra: 1, firstDiff: c.firstDiff}, c)
	require.Contains(t, c.firstDiff, "record different of t")
}
