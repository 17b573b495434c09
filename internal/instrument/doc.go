// Package instrument holds the OTel metric instruments that task runs and
// boundary calls write to: the run and call duration histograms and one
// histogram per metric set with task.SetMetrics.
//
// Recording never allocates on the hot path once an attribute combination has
// been seen: the record options for each combination are cached.
package instrument
