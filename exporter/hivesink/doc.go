// Package hivesink delivers execution records to a Hive server: Sink is the
// exporter.Sink to give the record processor (otelsetup.Setup builds one from
// the HIVE_* environment).
//
// The Sink is synchronous, like the OpenTelemetry SDK's exporters: the
// processor owns the one queue between a run and the server, and Deliver
// sends the records it is given, several at a time, retrying network
// failures, 5xx, 408 and 429 answers with exponential backoff and full
// jitter, all within Deliver's context. What it could not deliver it reports
// as an *exporter.DeliveryError, so the processor counts exactly those
// records in its dropped-records counter; the sink keeps no queue and no drop
// counter of its own.
//
// For programs without a record processor, hive.LogClient.Listener queues
// records itself.
package hivesink
