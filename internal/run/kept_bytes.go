package run

import "slices"

// keptBytes counts the payload bytes a run's log holds, for Limits.Bytes:
// the input of each logged call from its Begin, its output and error message
// once it has finished. Finish counts nothing (an atomic addition there
// would cost every call more than this): Begin reads the entries finished
// since the last count instead, which are usually just the previous call.
// Entries still running when read are kept aside and read again every
// recheckEvery calls, so many concurrent calls cost little. It is guarded by
// the run's lock.
type keptBytes struct {
	bytes   int64
	read    int   // log positions below read have been read
	running []int // positions read while their call was running
}

// recheckEvery is how often, in calls begun, the calls that were running
// when read are read again.
const recheckEvery = 64

// count adds the output and error bytes of the calls of l finished since the
// last count, and returns the bytes kept.
func (k *keptBytes) count(l *callLog) int64 {
	for ; k.read < l.n; k.read++ {
		if !k.add(l.at(k.read)) {
			k.running = append(k.running, k.read)
		}
	}
	if len(k.running) > 0 && l.n%recheckEvery == 0 {
		k.running = slices.DeleteFunc(k.running, func(i int) bool { return k.add(l.at(i)) })
	}
	return k.bytes
}

// add counts the output and error of e when its call has finished, and
// reports whether it had.
func (k *keptBytes) add(e *Entry) bool {
	if !e.done.Load() {
		return false
	}
	k.bytes += int64(len(e.rec.Output) + len(e.rec.Error))
	return true
}
