package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// callsData is what the calls page shows.
type callsData struct {
	Boundary        string
	Bucket, Buckets int
	Total           int // calls selected
	Offset          int
	Calls           []*callView
	RecordURL       string
	PrevURL         string
	NextURL         string
	Span            float64
}

// handleCalls lists a record's calls of one boundary, CallsPageSize at a
// time, with their input and output:
// GET /ui/tasks/{task}/logs/{uuid}/calls?boundary=&bucket=&buckets=&offset=&project=.
// bucket and buckets select the calls of one bar of a grouped timeline
// (bucket 0 of 1, the default, is every call of the boundary).
func (h *Handler) handleCalls(w http.ResponseWriter, r *http.Request, v visitor) {
	q := r.URL.Query()
	boundary := q.Get("boundary")
	bucket, err1 := intParam(q, "bucket", 0)
	buckets, err2 := intParam(q, "buckets", 1)
	offset, err3 := intParam(q, "offset", 0)
	if boundary == "" || err1 != nil || err2 != nil || err3 != nil || buckets < 1 || bucket < 0 || bucket >= buckets || offset < 0 {
		h.errorPage(w, r, http.StatusBadRequest, "calls: give a boundary, and bucket, buckets and offset as whole numbers (0 ≤ bucket < buckets, offset ≥ 0)")
		return
	}
	e, ok := h.getLog(w, r)
	if !ok {
		return
	}
	rec := new(otelrecord.ExecutionRecord)
	if err := json.Unmarshal(e.Record, rec); err != nil {
		h.errorPage(w, r, http.StatusUnprocessableEntity, "The stored record is not a readable execution record: "+err.Error())
		return
	}
	calls, span := recordCalls(rec)
	d := callsData{Boundary: boundary, Bucket: bucket, Buckets: buckets, Offset: offset, Span: span,
		RecordURL: recordURL(e.TaskName, e.UUID, e.ProjectUUID)}
	for _, c := range calls {
		if c.Boundary != boundary || bucketOf(c, span, buckets) != bucket {
			continue
		}
		if d.Total >= offset && d.Total < offset+CallsPageSize {
			d.Calls = append(d.Calls, newCallView(c))
		}
		d.Total++
	}
	page := func(off int) string {
		pq := url.Values{"boundary": {boundary}, "bucket": {strconv.Itoa(bucket)}, "buckets": {strconv.Itoa(buckets)}, "offset": {strconv.Itoa(off)}}
		if e.ProjectUUID != "" {
			pq.Set("project", e.ProjectUUID)
		}
		return recordSubURL(e.TaskName, e.UUID, "calls", pq)
	}
	if offset > 0 {
		d.PrevURL = page(max(0, offset-CallsPageSize))
	}
	if offset+CallsPageSize < d.Total {
		d.NextURL = page(offset + CallsPageSize)
	}
	h.render(w, r, http.StatusOK, "calls", callsPage(e.TaskName, e.UUID, e.ProjectUUID, boundary, &v, d))
}

// callsPage is the calls page's frame.
func callsPage(task, uuid, project, boundary string, v *visitor, d callsData) page {
	return page{
		Title: boundary + " calls · " + task,
		Crumbs: []crumb{{task, logsURL(task, projectQuery(project))}, {shortID(uuid), recordURL(task, uuid, project)},
			{boundary, ""}},
		Visitor: v,
		Data:    d,
	}
}

// intParam reads a whole-number query parameter, def when absent.
func intParam(q url.Values, name string, def int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}
