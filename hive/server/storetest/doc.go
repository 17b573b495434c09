// Package storetest checks that a server.Store behaves as its documentation
// says: project and task registration, idempotent record writes (one at a
// time and in PutLogs batches, with partial failures and duplicates), project
// scoping, listing order and pages, quality, copies and concurrency. Every
// Store implementation should pass Run in its tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) server.Store { return openMyStore(t) })
//	}
package storetest
