package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// ingestScenario reports the server's batch ingest rate: clients post
// batches of ingestBatch records of about 1 KB to POST
// /api/log-ingest/batch (Prefer: return=minimal, as the library sends them)
// back to back for the window. A record counts once the server answered it
// stored; the stored count is then checked against the database.
func (h *harness) ingestScenario(ctx context.Context, rep *report) error {
	s := h.s
	load := fmt.Sprintf("%d clients × batches of %d records of ~1 KB for %s", s.ingestClients, s.ingestBatch, secs(s.ingestWindow))
	st, err := h.newStage(ctx, "ingest", false)
	if err != nil {
		return err
	}
	defer st.close()
	c := h.apiClient(st.hive.url(), s.ingestClients)
	defer c.close()

	res := runIngestLoad(ctx, c, newBodyTemplate("soak-ingest", 1024), s.ingestClients, s.ingestBatch, s.ingestWindow)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := st.hive.stop(); err != nil {
		return fmt.Errorf("stop hive serve: %w", err)
	}
	inDB, err := storedRecords(ctx, st.hive.db)
	if err != nil {
		return err
	}
	rate := float64(res.stored) / res.elapsed.Seconds()
	rep.add(
		row{scenario: "ingest", load: load, figure: "records stored per second (answered stored)",
			measured: count(int64(rate)) + " /s", target: "≥ " + count(s.ingestTarget) + " /s", result: check(rate >= float64(s.ingestTarget))},
		row{scenario: "ingest", load: load, figure: "records refused or failed",
			measured: count(res.failed), target: "0", result: check(res.failed == 0)},
		row{scenario: "ingest", load: load, figure: "answered stored, found in the database",
			measured: fmt.Sprintf("%s of %s", count(len(inDB)), count(res.stored)), target: "all", result: check(int64(len(inDB)) == res.stored)},
	)
	if res.firstErr != nil {
		rep.note("ingest: first failure: %v", res.firstErr)
	}
	h.remember("ingest load", fmt.Sprintf("POST /api/log-ingest/batch with %d records per request, %d clients, Prefer: return=minimal", s.ingestBatch, s.ingestClients))
	return nil
}

// postBatch sends one batch of n fresh records made from tmpl and returns
// how many the server answered stored and how many it refused.
func postBatch(ctx context.Context, c *apiClient, tmpl bodyTemplate, n int) (stored, refused int, err error) {
	body := make([]byte, 0, n*(len(tmpl.before)+len(tmpl.after)+40)+2)
	body = append(body, '[')
	for i := range n {
		if i > 0 {
			body = append(body, ',')
		}
		body = tmpl.append(body, newRecordID())
	}
	body = append(body, ']')
	a, err := c.do(ctx, http.MethodPost, "/api/log-ingest/batch", body, "Prefer", "return=minimal")
	if err != nil {
		return 0, 0, err
	}
	if a.status != http.StatusOK {
		return 0, 0, fmt.Errorf("batch answered %d: %s", a.status, oneLine(string(a.body)))
	}
	var results []struct {
		UUID  string `json:"uuid"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(a.body, &results); err != nil {
		return 0, 0, fmt.Errorf("batch answer: %w", err)
	}
	for _, r := range results {
		if r.Error == "" && r.UUID != "" {
			stored++
		} else {
			refused++
		}
	}
	return stored, refused, nil
}
