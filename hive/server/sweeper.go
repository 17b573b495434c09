package server

import (
	"context"
	"log/slog"
	"time"
)

// Defaults of the assembly of records from staged spans.
const (
	// DefaultAssemblyWait is how long a run whose spans are staged waits
	// for its missing spans before its record is stored marked incomplete.
	DefaultAssemblyWait = 30 * time.Second
	// DefaultAssemblyRetention is how long staged spans are kept: the
	// spans of a run stored incomplete (so that late spans can still
	// complete it), and boundary spans whose task-run span has not arrived.
	DefaultAssemblyRetention = 10 * time.Minute
	// sweepBatch bounds the runs one sweep transaction claims.
	sweepBatch = 256
)

// sweepInterval is how often the sweeper runs for an assembly wait: often
// enough that a run waits little longer than the wait.
func sweepInterval(wait time.Duration) time.Duration {
	return min(max(wait/4, 10*time.Millisecond), 5*time.Second)
}

// startSweeper runs the sweeper (runSweeper) until ctx is done or the
// function it returns is called, which waits for it to end.
func (s *Server) startSweeper(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.runSweeper(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// runSweeper sweeps the staged spans every sweepInterval until ctx is done.
// A Server runs one sweeper at a time, whichever of Serve and
// ServeOTLPGRPC starts it; every server sharing a store may run one: the
// store's claims let one of them assemble each run.
func (s *Server) runSweeper(ctx context.Context) {
	if !s.sweeping.CompareAndSwap(false, true) {
		return
	}
	defer s.sweeping.Store(false)
	t := time.NewTicker(sweepInterval(s.cfg.assemblyWait))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.cfg.logger.ErrorContext(ctx, "hive server: sweep of staged spans failed", slog.Any("error", err))
		}
	}
}

// Sweep runs one sweep of the spans staged in the store, as the sweeper
// Serve and ServeOTLPGRPC run does every little while: runs still
// incomplete after the assembly wait (WithAssemblyWait) are stored marked
// incomplete, complete runs left unfinished by a server that stopped are
// stored, and boundary spans whose task-run span has not arrived within
// the retention (WithAssemblyRetention) are dropped. It returns a store
// failure.
func (s *Server) Sweep(ctx context.Context) error {
	for {
		now := s.cfg.clock()
		res, err := s.store.SweepRuns(ctx, SweepRequest{
			Now:              now,
			ClaimUntil:       now.Add(claimLease),
			IncompleteBefore: now.Add(-s.cfg.assemblyWait),
			DropBefore:       now.Add(-s.cfg.assemblyRetention),
			Limit:            sweepBatch,
		})
		if err != nil {
			return err
		}
		if res.DroppedSpans > 0 {
			s.otlp.dropped.Add(int64(res.DroppedSpans))
			s.cfg.logger.WarnContext(ctx, "hive server: dropped boundary spans whose task-run span never arrived",
				slog.Int("spans", res.DroppedSpans), slog.Duration("retention", s.cfg.assemblyRetention))
		}
		if len(res.Runs) == 0 {
			return nil
		}
		runs := make([]assembledRun, 0, len(res.Runs))
		for _, r := range res.Runs {
			runs = append(runs, s.assembleStaged(ctx, r))
		}
		if err := s.finish(ctx, runs); err != nil {
			return err
		}
		incomplete := 0
		for _, r := range runs {
			if r.run.Incomplete {
				incomplete++
			}
		}
		s.cfg.logger.DebugContext(ctx, "hive server: swept staged runs",
			slog.Int("runs", len(runs)), slog.Int("incomplete", incomplete))
		if len(res.Runs) < sweepBatch {
			return nil
		}
	}
}
