package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// apiClient sends requests to hive serve with the harness's credentials,
// the load generator of the server scenarios.
type apiClient struct {
	base string
	auth string
	hc   *http.Client
}

func (h *harness) apiClient(base string, conns int) *apiClient {
	return &apiClient{
		base: base,
		auth: "Bearer " + h.key + ":" + h.secret,
		hc: &http.Client{Transport: &http.Transport{
			MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
			DisableCompression: true,
		}},
	}
}

// answer is a response read whole.
type answer struct {
	status     int
	retryAfter time.Duration
	body       []byte
}

// do sends one request; body may be nil. The error is a transport failure.
func (c *apiClient) do(ctx context.Context, method, path string, body []byte, header ...string) (answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", c.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: resp.StatusCode, body: data}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		a.retryAfter = time.Duration(s) * time.Second
	}
	return a, nil
}

// close drops the client's idle connections.
func (c *apiClient) close() { c.hc.CloseIdleConnections() }

// recordFiller pads the made records to about a kilobyte.
var recordFiller = bytes.Repeat([]byte("abcdefghij"), 50)

// recordOf returns a record of task with the uuid, about size bytes long
// (at least the ~500 bytes of its fixed fields), ready to be a logItem.
func recordOf(task, id string, size int) []byte {
	pad := max(size-560, 0)
	filler := bytes.Repeat(recordFiller, pad/len(recordFiller)+1)[:pad]
	now := time.Now().UnixMilli()
	rec := fmt.Sprintf(`{"uuid":%q,"taskName":%q,"type":"success","input":{"orderId":"o-%s","note":%q},`+
		`"output":{"status":"paid","amount":4200},`+
		`"boundaries":{"fetchOrder":[{"input":["o-1"],"output":{"id":"o-1","total":4200},"timing":{"startTime":%d,"endTime":%d,"duration":1.5}}],`+
		`"charge":[{"input":[{"amount":4200}],"output":{"ok":true},"timing":{"startTime":%d,"endTime":%d,"duration":2.25}}]},`+
		`"metadata":{"environment":"soak","region":"local"},"metrics":[{"type":"business","name":"amount","value":4200}],`+
		`"timing":{"startTime":%d,"endTime":%d,"duration":5}}`,
		id, task, id[:8], filler, now, now+1, now+2, now+4, now, now+5)
	return []byte(rec)
}

// ingestRequest is a /api/log-ingest body holding rec as the logItem string.
func ingestRequest(rec []byte) []byte {
	item, _ := json.Marshal(string(rec)) // a string always encodes
	body := make([]byte, 0, len(item)+64)
	body = append(body, `{"projectUuid":"`+projectUUID+`","projectName":"soak","logItem":`...)
	body = append(body, item...)
	return append(body, '}')
}

// newRecordID returns a UUID v7, as the library's records carry.
func newRecordID() string { return uuid.Must(uuid.NewV7()).String() }

// bodyTemplate is an ingest body whose record differs only by its uuid, cut
// around the uuid, so the load generator makes bodies by copying bytes.
type bodyTemplate struct{ before, after []byte }

// uuidSlot stands for the uuid in the template's record: a UUID's length,
// no character JSON escapes.
const uuidSlot = "00000000-0000-0000-0000-00000000slot"

func newBodyTemplate(task string, size int) bodyTemplate {
	body := ingestRequest(recordOf(task, uuidSlot, size))
	i := bytes.Index(body, []byte(uuidSlot))
	return bodyTemplate{before: body[:i], after: body[i+len(uuidSlot):]}
}

// append appends the body of the record with uuid id to dst.
func (t bodyTemplate) append(dst []byte, id string) []byte {
	return append(append(append(dst, t.before...), id...), t.after...)
}
