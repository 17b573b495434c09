// Package tally counts occurrences of keys and numbers the distinct keys in
// the order they first appear, for code that groups items by a key (calls by
// boundary name) and wants each group's size before allocating it.
//
// It imports the standard library only, so any package of the module may use
// it.
package tally
