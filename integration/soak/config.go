package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"
)

// scenarioNames are the scenarios in the order they run.
var scenarioNames = []string{"outage", "outage-otlp", "spool", "throughput", "latency", "ingest", "contention", "memory", "ingest-pg", "contention-pg"}

// settings are the loads and durations of every scenario.
type settings struct {
	quick   bool
	only    []string
	hiveBin string // an existing hive binary; empty builds one
	keep    bool   // keep the working directory
	workers int    // producer goroutines

	// outage: lead (healthy), outage (hive serve killed), tail (restarted).
	outageRate           int
	lead, outage, tail   time.Duration
	spoolRate            int
	spoolLead, spoolDown time.Duration // healthy, then hive down until the producer is killed
	spoolDrain           time.Duration // the restarted producer's window
	throughputRate       int
	throughputWindow     time.Duration
	deliveryGrace        time.Duration // how late a record may be stored and count as delivered in time
	drainTimeout         time.Duration // how long a producer may take to shut down

	// ingest: clients posting batches back to back for the window.
	ingestClients, ingestBatch, ingestTarget int
	ingestWindow                             time.Duration
	ingestPGTarget                           int // ingest-pg: the same load on PostgreSQL
	// contention: single-record writers and readers for the window.
	writers, readers int
	contentionWindow time.Duration
	writeP99         time.Duration
	// memory: clients × records of memoryRecordMiB at once, readers listing.
	memoryClients, memoryRecords, memoryRecordMiB, memoryReaders, memoryPeakMB int
}

// fullSettings are the reference loads.
func fullSettings() settings {
	return settings{
		workers:    4,
		outageRate: 500, lead: 10 * time.Second, outage: 60 * time.Second, tail: 20 * time.Second,
		spoolRate: 500, spoolLead: 10 * time.Second, spoolDown: 20 * time.Second, spoolDrain: 10 * time.Second,
		throughputRate: 10_000, throughputWindow: 60 * time.Second,
		deliveryGrace: 2 * time.Second, drainTimeout: 3 * time.Minute,
		ingestClients: 4, ingestBatch: 500, ingestTarget: 20_000, ingestWindow: 20 * time.Second, ingestPGTarget: 5_000,
		writers: 40, readers: 40, contentionWindow: 60 * time.Second, writeP99: 250 * time.Millisecond,
		memoryClients: 16, memoryRecords: 3, memoryRecordMiB: 10, memoryReaders: 4, memoryPeakMB: 512,
	}
}

// quickSettings are short runs at lower rates, for trying the program.
func quickSettings() settings {
	s := fullSettings()
	s.quick = true
	s.outageRate, s.lead, s.outage, s.tail = 200, 3*time.Second, 10*time.Second, 5*time.Second
	s.spoolRate, s.spoolLead, s.spoolDown, s.spoolDrain = 200, 3*time.Second, 5*time.Second, 4*time.Second
	s.throughputRate, s.throughputWindow = 2_000, 10*time.Second
	s.drainTimeout = time.Minute
	s.ingestWindow, s.contentionWindow = 5*time.Second, 10*time.Second
	s.memoryRecords = 1
	return s
}

// bindFlags registers the flags of the harness on fs, writing into s; the
// values in s are the defaults shown.
func bindFlags(fs *flag.FlagSet, s *settings, only *string) {
	fs.BoolVar(&s.quick, "quick", s.quick, "short outages and lower rates (the figures are then not the reference ones)")
	fs.StringVar(only, "only", "", "run only these scenarios (comma-separated: "+strings.Join(scenarioNames, ", ")+")")
	fs.StringVar(&s.hiveBin, "hive", s.hiveBin, "an existing hive `binary` (default: build it)")
	fs.BoolVar(&s.keep, "keep", s.keep, "keep the working directory (databases, producer output, logs)")
	fs.IntVar(&s.workers, "workers", s.workers, "goroutines of the producer making runs")
	fs.IntVar(&s.outageRate, "outage-rate", s.outageRate, "outage: runs per second")
	fs.DurationVar(&s.lead, "outage-lead", s.lead, "outage: healthy time before the kill")
	fs.DurationVar(&s.outage, "outage", s.outage, "outage: how long hive serve stays down")
	fs.DurationVar(&s.tail, "outage-tail", s.tail, "outage: producing time after the restart")
	fs.IntVar(&s.spoolRate, "spool-rate", s.spoolRate, "spool: runs per second")
	fs.DurationVar(&s.spoolLead, "spool-lead", s.spoolLead, "spool: healthy time before hive serve is killed")
	fs.DurationVar(&s.spoolDown, "spool-down", s.spoolDown, "spool: time from killing hive serve to killing the producer")
	fs.DurationVar(&s.spoolDrain, "spool-drain", s.spoolDrain, "spool: window of the restarted producer")
	fs.IntVar(&s.throughputRate, "throughput-rate", s.throughputRate, "throughput: runs per second (also the target)")
	fs.DurationVar(&s.throughputWindow, "throughput-window", s.throughputWindow, "throughput: how long the producer runs")
	fs.DurationVar(&s.deliveryGrace, "delivery-grace", s.deliveryGrace, "throughput: how long after the window a record may be stored and count as delivered in time")
	fs.IntVar(&s.ingestClients, "ingest-clients", s.ingestClients, "ingest: clients posting batches")
	fs.IntVar(&s.ingestBatch, "ingest-batch", s.ingestBatch, "ingest: records per batch")
	fs.DurationVar(&s.ingestWindow, "ingest-window", s.ingestWindow, "ingest: how long the clients post")
	fs.IntVar(&s.writers, "writers", s.writers, "contention: clients posting single records")
	fs.IntVar(&s.readers, "readers", s.readers, "contention: clients listing and reading records")
	fs.DurationVar(&s.contentionWindow, "contention-window", s.contentionWindow, "contention: how long the load lasts")
	fs.IntVar(&s.memoryClients, "memory-clients", s.memoryClients, "memory: clients ingesting large records at once")
	fs.IntVar(&s.memoryRecords, "memory-records", s.memoryRecords, "memory: large records each client ingests")
	fs.DurationVar(&s.drainTimeout, "drain-timeout", s.drainTimeout, "how long a producer may take to shut down before it is killed")
}

// parseSettings reads the flags: the full settings, or the quick ones with
// -quick, overridden by every flag given explicitly.
func parseSettings(args []string) (settings, error) {
	s, only := fullSettings(), ""
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	bindFlags(fs, &s, &only)
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if s.quick {
		q, qOnly := quickSettings(), ""
		qfs := flag.NewFlagSet("soak", flag.ContinueOnError)
		bindFlags(qfs, &q, &qOnly)
		var err error
		fs.Visit(func(f *flag.Flag) {
			if e := qfs.Set(f.Name, f.Value.String()); e != nil && err == nil {
				err = e
			}
		})
		if err != nil {
			return s, err
		}
		s, only = q, qOnly
	}
	for name := range strings.SplitSeq(only, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if !slices.Contains(scenarioNames, name) {
			return s, fmt.Errorf("-only: unknown scenario %q (have %s)", name, strings.Join(scenarioNames, ", "))
		}
		s.only = append(s.only, name)
	}
	if s.workers <= 0 || s.outageRate <= 0 || s.spoolRate <= 0 || s.throughputRate <= 0 ||
		s.ingestClients <= 0 || s.ingestBatch <= 0 || s.writers <= 0 || s.readers <= 0 || s.memoryClients <= 0 || s.memoryRecords <= 0 {
		return s, fmt.Errorf("rates and -workers must be positive")
	}
	return s, nil
}

// runs reports whether scenario name is to run.
func (s settings) runs(name string) bool {
	return len(s.only) == 0 || slices.Contains(s.only, name)
}
