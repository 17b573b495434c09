package server

import (
	"net/http"
)

// logItemForm is how an answer carries a stored record in its "logItem"
// field.
type logItemForm int

const (
	// logItemOmitted leaves "logItem" out (a batch result asked for with
	// Prefer: return=minimal).
	logItemOmitted logItemForm = iota
	// logItemString writes the record as a JSON string holding its JSON,
	// as the Hive ingest answer does.
	logItemString
	// logItemObject writes the record object itself.
	logItemObject
)

// envelope writes a stored entry in the shape of wire.IngestResponse:
// {"uuid","taskName","projectName","logItem","replayFrom","createdAt"},
// with "replayFrom" null when the record replays nothing and "logItem" in
// the given form, written from the stored bytes.
func (j *jsonWriter) envelope(e StoredLog, form logItemForm) {
	j.raw(`{"uuid":`)
	j.str(e.UUID)
	j.raw(`,"taskName":`)
	j.str(e.TaskName)
	j.raw(`,"projectName":`)
	j.str(e.ProjectName)
	switch form {
	case logItemString:
		if len(e.Record) > 0 { // as encoding/json omits an empty string
			j.raw(`,"logItem":`)
			j.strOf(e.Record)
		}
	case logItemObject:
		j.raw(`,"logItem":`)
		j.value(e.Record)
	}
	j.raw(`,"replayFrom":`)
	j.replayFrom(e.ReplayFrom)
	j.raw(`,"createdAt":`)
	j.str(formatTime(e.CreatedAt))
	j.raw(`}`)
}

// logAnswer writes a stored entry as GET /api/tasks/{taskName}/logs/{uuid}
// answers it, in the shape of the TypeScript Hive SDK's LogApiResponse:
// {"uuid","taskName","projectName","logItem","replayFrom","createdAt"}, with
// the record object as "logItem", written from the stored bytes (compacted,
// as in a listing), and "replayFrom" left out when the record replays
// nothing.
func (j *jsonWriter) logAnswer(e StoredLog) {
	j.raw(`{"uuid":`)
	j.str(e.UUID)
	j.raw(`,"taskName":`)
	j.str(e.TaskName)
	j.raw(`,"projectName":`)
	j.str(e.ProjectName)
	j.raw(`,"logItem":`)
	j.value(e.Record)
	if e.ReplayFrom != "" {
		j.raw(`,"replayFrom":`)
		j.str(e.ReplayFrom)
	}
	j.raw(`,"createdAt":`)
	j.str(formatTime(e.CreatedAt))
	j.raw(`}`)
}

// listEntry writes one record of a listing:
// {"uuid","taskName","taskUuid","projectName","projectUuid","logItem",
// "replayFrom","quality","createdAt"}, with the record object as "logItem",
// "replayFrom" null when the record replays nothing and "quality" left out
// until one is set.
func (j *jsonWriter) listEntry(e StoredLog) {
	j.raw(`{"uuid":`)
	j.str(e.UUID)
	j.raw(`,"taskName":`)
	j.str(e.TaskName)
	j.raw(`,"taskUuid":`)
	j.str(e.TaskUUID)
	j.raw(`,"projectName":`)
	j.str(e.ProjectName)
	j.raw(`,"projectUuid":`)
	j.str(e.ProjectUUID)
	j.raw(`,"logItem":`)
	j.value(e.Record)
	j.raw(`,"replayFrom":`)
	j.replayFrom(e.ReplayFrom)
	if len(e.Quality) > 0 {
		j.raw(`,"quality":`)
		j.value(e.Quality)
	}
	j.raw(`,"createdAt":`)
	j.str(formatTime(e.CreatedAt))
	j.raw(`}`)
}

// replayFrom writes a replayFrom value: the uuid, or null for none.
func (j *jsonWriter) replayFrom(id string) {
	if id == "" {
		j.raw(`null`)
		return
	}
	j.str(id)
}

// startJSON sends the status and headers of a JSON answer, the ones
// writeJSON sends, and returns a writer for its body. Finish the body with
// endJSON.
func startJSON(w http.ResponseWriter, status int, escapeHTML bool) *jsonWriter {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	return newJSONWriter(w, escapeHTML)
}

// endJSON ends a body begun with startJSON with the newline writeJSON ends
// one with, and sends what is buffered. It returns the first write error,
// which only a connection gone away causes.
func (j *jsonWriter) endJSON() error {
	j.raw("\n")
	return j.flush()
}
