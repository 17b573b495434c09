// Package retry holds the retry delays shared by the senders that deliver
// records to Hive: exponential backoff with full jitter, and a sleep bound
// by a context.
package retry
