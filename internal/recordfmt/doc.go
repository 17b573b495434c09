// Package recordfmt renders execution records for people: the record as
// indented JSON and a per-boundary timing table. The hive command and the
// examples print records with it.
package recordfmt
