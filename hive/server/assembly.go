package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// storeRetryAfter is the wait an export refused for a store failure is told
// to make.
const storeRetryAfter = 5 * time.Second

// maxRejectReasons bounds the reasons an answer's partial_success names.
const maxRejectReasons = 3

// runKey identifies a run: the project its records go to and its uuid.
type runKey struct {
	project, run string
}

// exportRun is the spans of one run that an export carries.
type exportRun struct {
	key        runKey
	project    otlpProject
	task       *runSpan
	boundaries []runSpan
	// seen holds the span ids of boundaries once there are many of them.
	seen map[trace.SpanID]struct{}
}

// add adds a span of the run, unless a span with its id is there already
// (an export may carry a span twice). It returns an error for a second,
// different task-run span.
func (r *exportRun) add(sp runSpan) error {
	if sp.task {
		switch {
		case r.task == nil:
			r.task = &sp
		case r.task.id != sp.id:
			return fmt.Errorf("a second task-run span for run %q (span %s; span %s came first)", sp.run, sp.id, r.task.id)
		}
		return nil
	}
	if r.has(sp.id) {
		return nil
	}
	r.boundaries = append(r.boundaries, sp)
	if r.seen != nil {
		r.seen[sp.id] = struct{}{}
	}
	return nil
}

// has reports whether the run holds a boundary span with the id.
func (r *exportRun) has(id trace.SpanID) bool {
	const linear = 16
	if r.seen == nil {
		for i := range r.boundaries {
			if r.boundaries[i].id == id {
				return true
			}
		}
		if len(r.boundaries) < linear {
			return false
		}
		r.seen = make(map[trace.SpanID]struct{}, 2*len(r.boundaries))
		for i := range r.boundaries {
			r.seen[r.boundaries[i].id] = struct{}{}
		}
		return false
	}
	_, ok := r.seen[id]
	return ok
}

// complete reports whether the run holds its task-run span and every
// boundary span it announces.
func (r *exportRun) complete() bool {
	return r.task != nil && r.task.want >= 0 && int64(len(r.boundaries)) >= r.task.want
}

// boundarySpans returns the run's boundary spans.
func (r *exportRun) boundarySpans() []otelrecord.Span {
	out := make([]otelrecord.Span, len(r.boundaries))
	for i := range r.boundaries {
		out[i] = r.boundaries[i].span
	}
	return out
}

// staged returns the run's spans to stage: each as its protobuf bytes.
func (r *exportRun) staged() StagedRun {
	out := StagedRun{Key: RunKey{ProjectUUID: r.key.project, RunUUID: r.key.run}, ProjectName: r.project.name,
		Spans: make([]StagedSpan, 0, r.spanCount())}
	if r.task != nil {
		out.Spans = append(out.Spans, stagedSpan(r.task))
	}
	for i := range r.boundaries {
		out.Spans = append(out.Spans, stagedSpan(&r.boundaries[i]))
	}
	return out
}

// stagedSpan returns a span to stage: the bytes it came as, or its message
// encoded.
func stagedSpan(sp *runSpan) StagedSpan {
	data := sp.src.raw
	if data == nil {
		data, _ = proto.Marshal(sp.src.msg) // a decoded message encodes
	}
	return StagedSpan{SpanID: sp.id, Task: sp.task, Want: sp.want, Data: data}
}

// spanCount is the number of spans the run holds.
func (r *exportRun) spanCount() int {
	n := len(r.boundaries)
	if r.task != nil {
		n++
	}
	return n
}

// rejections counts the spans of an export the server refuses and keeps a
// few reasons.
type rejections struct {
	count   int64
	reasons []string
}

func (rj *rejections) add(n int, reason string) {
	rj.count += int64(n)
	if len(rj.reasons) < maxRejectReasons {
		rj.reasons = append(rj.reasons, reason)
	}
}

// response returns the ExportTraceServiceResponse that reports them.
func (rj *rejections) response() *coltracepb.ExportTraceServiceResponse {
	resp := &coltracepb.ExportTraceServiceResponse{}
	if rj.count == 0 {
		return resp
	}
	msg := fmt.Sprintf("%d spans rejected: %s", rj.count, strings.Join(rj.reasons, "; "))
	if int64(len(rj.reasons)) < rj.count {
		msg += "; …"
	}
	resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{RejectedSpans: rj.count, ErrorMessage: msg}
	return resp
}

// acceptExport takes the spans of an export. It groups the spans of the
// convention by run: the record of a run the export carries whole is
// stored at once, the spans of the other runs are staged in the store
// (SpanStager.StageSpans) until their run is complete, when its record is
// stored and its spans removed. The answer, given once the spans are
// committed, counts the spans refused; the error is a store failure, after
// which the client is to send the export again (spans it staged already
// are recognised by their id).
func (s *Server) acceptExport(ctx context.Context, exp otlpExport) (*coltracepb.ExportTraceServiceResponse, error) {
	var rj rejections
	runs, order := s.groupRuns(ctx, exp, &rj)
	var done []assembledRun
	var partial []StagedRun
	for _, k := range order {
		r := runs[k]
		if !r.complete() {
			partial = append(partial, r.staged())
			continue
		}
		a, err := s.assemble(r.project.name, r.key, r.task.span, r.boundarySpans(), true)
		if err != nil {
			rj.add(r.spanCount(), fmt.Sprintf("run %q: %v", r.key.run, err))
			continue
		}
		a.spans = r.spanCount()
		done = append(done, a)
	}
	staged, ready, err := s.stage(ctx, partial)
	if err != nil {
		return nil, err
	}
	whole := len(done) // runs that are not acknowledged until stored
	done = append(done, ready...)
	if err := s.finish(ctx, done); err != nil {
		if whole > 0 {
			return nil, err
		}
		// Every span is staged: the sweep finishes the runs once their
		// claims expire.
		s.cfg.logger.WarnContext(ctx, "hive server: storing the records of complete runs failed; the sweep will",
			slog.Int("runs", len(ready)), slog.Any("error", err))
	}
	for _, a := range done[:whole] {
		if a.refused != nil {
			rj.add(a.spans, fmt.Sprintf("run %q: %v", a.run.Key.RunUUID, a.refused))
		}
	}
	s.otlp.exports.Add(1)
	s.otlp.spans.Add(int64(exp.spans))
	s.otlp.outside.Add(int64(exp.outside))
	s.otlp.rejected.Add(rj.count)
	s.cfg.logger.DebugContext(ctx, "hive server: OTLP export",
		slog.Int("spans", exp.spans), slog.Int("outside", exp.outside), slog.Int("runs", len(order)),
		slog.Int("whole", whole), slog.Int("staged", staged), slog.Int("completed", len(ready)), slog.Int64("rejected", rj.count))
	return rj.response(), nil
}

// stage stages the spans of runs an export carries in part, and returns
// the number of spans staged and the runs this completed, assembled.
func (s *Server) stage(ctx context.Context, runs []StagedRun) (int, []assembledRun, error) {
	if len(runs) == 0 {
		return 0, nil, nil
	}
	now := s.cfg.clock()
	res, err := s.store.StageSpans(ctx, runs, now, now.Add(claimLease))
	if err != nil {
		return 0, nil, err
	}
	s.otlp.staged.Add(int64(res.Staged))
	ready := make([]assembledRun, 0, len(res.Ready))
	for _, r := range res.Ready {
		ready = append(ready, s.assembleStaged(ctx, r))
	}
	return res.Staged, ready, nil
}

// groupRuns reads the spans of the convention of an export and groups
// those that belong to a run by run, in the order runs first appear;
// spans it refuses are added to rj, spans of no run counted.
func (s *Server) groupRuns(ctx context.Context, exp otlpExport, rj *rejections) (map[runKey]*exportRun, []runKey) {
	runs := make(map[runKey]*exportRun)
	var order []runKey
	for _, res := range exp.resources {
		if len(res.spans) == 0 {
			continue
		}
		p, err := projectOf(res.attrs)
		if err != nil {
			rj.add(len(res.spans), err.Error())
			continue
		}
		for _, src := range res.spans {
			sp, err := readRunSpan(p, src)
			if errors.Is(err, errNoRun) {
				s.otlp.noRun.Add(1)
				continue
			}
			if err != nil {
				rj.add(1, err.Error())
				continue
			}
			k := runKey{project: p.uuid, run: sp.run}
			r := runs[k]
			if r == nil {
				r = &exportRun{key: k, project: p}
				runs[k] = r
				order = append(order, k)
			}
			if err := r.add(sp); err != nil {
				rj.add(1, err.Error())
			}
		}
	}
	if rj.count > 0 {
		s.cfg.logger.DebugContext(ctx, "hive server: OTLP spans rejected",
			slog.Int64("rejected", rj.count), slog.String("reasons", strings.Join(rj.reasons, "; ")))
	}
	return runs, order
}

// claimLease is how long a server holds a run it claimed to assemble; a
// run still unfinished then (its server stopped) is taken by a sweep.
const claimLease = 30 * time.Second

// assembledRun is a run's record on its way to FinishRuns.
type assembledRun struct {
	run AssembledRun
	// spans is the number of spans of a run an export carries whole, which
	// the answer counts as rejected when its record is refused.
	spans int
	// refused is why the record cannot be stored.
	refused error
}

// assemble rebuilds a run's record from its spans (otelrecord.RebuildRun,
// as the process that ran the task does) into the entry that stores it,
// checked as POST /api/log-ingest checks a record (validateRecord and the
// record limit). complete is false for a
// run assembled with spans missing: the record says what is missing (in
// its metadata, under otelrecord.MetadataIncomplete). The error says why
// the record is refused.
func (s *Server) assemble(projectName string, key runKey, task otelrecord.Span, boundaries []otelrecord.Span, complete bool) (assembledRun, error) {
	rec, _ := otelrecord.RebuildRun(task, boundaries) // what is missing is in the record's metadata
	if err := validateRecord(rec); err != nil {
		return assembledRun{}, err
	}
	item, err := rec.MarshalJSON() // json.Marshal's bytes, without reflection
	if err != nil {
		return assembledRun{}, fmt.Errorf("encode record: %w", err)
	}
	if int64(len(item)) > s.cfg.maxRecordBytes {
		return assembledRun{}, errorf(http.StatusRequestEntityTooLarge,
			"record of %d bytes exceeds the limit of %d bytes (%s)", len(item), s.cfg.maxRecordBytes, wire.MaxRecordBytesHeader)
	}
	// The record is the JSON json.Marshal makes of a record that passed
	// the checks of an ingest (validateRecord), keyed by its task name and
	// uuid: what parseLogItem would accept and return for it.
	in := IngestEntry{
		Log: StoredLog{
			ProjectUUID: key.project,
			TaskName:    rec.TaskName,
			UUID:        rec.UUID,
			Record:      item,
			CreatedAt:   s.cfg.clock().UTC(),
		},
		ProjectName: projectName,
	}
	return assembledRun{run: AssembledRun{Key: RunKey{ProjectUUID: key.project, RunUUID: key.run}, Entry: in, Incomplete: !complete}}, nil
}

// assembleStaged assembles a run from its staged spans: complete when its
// task-run span and the boundary spans it announces are there. A run that
// cannot be assembled is refused: FinishRuns marks it done without a
// record, so it is not tried again.
func (s *Server) assembleStaged(ctx context.Context, r StagedRun) assembledRun {
	key := runKey{project: r.Key.ProjectUUID, run: r.Key.RunUUID}
	var task *otelrecord.Span
	want := int64(-1)
	boundaries := make([]otelrecord.Span, 0, len(r.Spans))
	var err error
	for _, st := range r.Spans {
		sp, ok := decodeSpan(st.Data)
		if !ok {
			msg := new(tracepb.Span)
			if err = proto.Unmarshal(st.Data, msg); err != nil {
				err = fmt.Errorf("staged span %s does not decode: %w", st.SpanID, err)
				break
			}
			sp = otlpspan.Span(msg)
		}
		switch {
		case !st.Task:
			boundaries = append(boundaries, sp)
		case task == nil:
			task, want = &sp, st.Want
		}
	}
	if err == nil && task == nil {
		err = errors.New("no task-run span is staged")
	}
	var a assembledRun
	if err == nil {
		complete := want >= 0 && int64(len(boundaries)) >= want
		a, err = s.assemble(r.ProjectName, key, *task, boundaries, complete)
	}
	if err != nil {
		s.cfg.logger.WarnContext(ctx, "hive server: the record assembled from staged spans is refused; dropping the run",
			slog.String("run", r.Key.RunUUID), slog.String("project", r.Key.ProjectUUID), slog.Any("error", err))
		return assembledRun{run: AssembledRun{Key: r.Key, Refused: true}, refused: err}
	}
	return a
}

// finish stores the records of assembled runs (SpanStager.FinishRuns), but
// for the runs of an export refused already, and counts what it stored. A
// run the store refuses gets the reason in refused.
func (s *Server) finish(ctx context.Context, runs []assembledRun) error {
	batch := make([]AssembledRun, 0, len(runs))
	idx := make([]int, 0, len(runs))
	for i := range runs {
		if runs[i].refused != nil && !runs[i].run.Refused {
			continue
		}
		batch = append(batch, runs[i].run)
		idx = append(idx, i)
	}
	if len(batch) == 0 {
		return nil
	}
	results, err := s.store.FinishRuns(ctx, batch)
	if err == nil && len(results) != len(batch) {
		err = errors.New("store answered FinishRuns with the wrong number of results")
	}
	if err != nil {
		return err
	}
	for j, res := range results {
		a := &runs[idx[j]]
		switch {
		case res.Err != nil:
			a.refused = res.Err
		case a.run.Refused:
			s.otlp.refused.Add(1)
		case res.Created && a.run.Incomplete:
			s.otlp.records.Add(1)
			s.otlp.incomplete.Add(1)
		case res.Created, res.Replaced:
			s.otlp.records.Add(1)
		}
	}
	return nil
}

// storeFailure is the answer to an export the store failed to take: 503
// with Retry-After, so the client sends it again.
func (s *Server) storeFailure(ctx context.Context, err error) *otlpFailure {
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		s.cfg.logger.ErrorContext(ctx, "hive server: store failure on an OTLP export", slog.Any("error", err))
	}
	f := failuref(http.StatusServiceUnavailable, "server busy: the store did not take the spans; retry later")
	f.retryAfter = storeRetryAfter
	return f
}
