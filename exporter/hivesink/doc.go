// Package hivesink delivers execution records to a Hive server: Sink is the
// exporter.Sink to give the record processor (otelsetup.Setup builds one from
// the HIVE_* environment).
//
// The Sink is synchronous, like the OpenTelemetry SDK's exporters: the
// processor owns the one queue between a run and the server, and Deliver
// sends the records it is given before it returns, keeping none of them.
// Records go in batches (POST /api/log-ingest/batch, through
// hive.LogClient.SendLogs) of at most WithBatchRecords records and
// WithBatchBytes bytes, several requests at a time; against a server
// without that route (a 404, as the hosted Hive answers) the sink remembers
// it and sends one POST /api/log-ingest per record instead.
//
// Every record's outcome counts on its own: network failures, 5xx, 408 and
// 429 answers are retried with exponential backoff and full jitter within
// Deliver's context; a record the server refuses as too large (413) is sent
// again with its largest payloads replaced by truncation markers, marked
// with the metadata otelrecord.MetadataTrimmed and counted in
// TrimmedCounter; other refusals are final. What it could not deliver it
// reports as *exporter.DeliveryError values: the refused records with an
// Err wrapping exporter.ErrRejected, and the records a later attempt may
// deliver in the Records of another, so the processor queues them again
// instead of dropping them. The sink keeps no queue and no drop counter of
// its own.
//
// For programs without a record processor, hive.LogClient.Listener queues
// records itself.
package hivesink
