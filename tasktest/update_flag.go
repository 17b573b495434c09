package tasktest

import "flag"

// updateFlag reads the -update flag: the one this package registers, or
// one registered before it was imported.
var updateFlag = registerUpdate()

func registerUpdate() func() bool {
	if f := flag.Lookup("update"); f != nil {
		return func() bool { return f.Value.String() == "true" }
	}
	b := flag.Bool("update", false, "tasktest: rewrite the expected outcome of record files whose replay differs")
	return func() bool { return *b }
}
