// Package runner gives a service's own binary the commands the forge CLI
// gives TypeScript users: list its tasks, describe one, run one, replay a
// recorded run, and serve them all over HTTP. In Go a replay needs the
// service's code, so the natural home of these commands is the service's
// binary:
//
//	func main() {
//		r := runner.New(runner.WithName("shop"), runner.WithSetup(setupTelemetry))
//		if err := r.Register(report, checkout); err != nil {
//			log.Fatal(err)
//		}
//		runner.Main(r)
//	}
//
// gives
//
//	shop list                                  the tasks, their boundaries and descriptions
//	shop describe TASK                         a task's input schema and boundaries
//	shop run TASK [JSON | -]                   one run, input from the argument or stdin
//	shop replay TASK --uuid UUID               a run stored in Hive, replayed
//	shop replay TASK --trace TRACE_ID          a run rebuilt from its trace in Jaeger
//	                 [--uuid UUID]             (that run, when the trace holds several)
//	shop replay TASK --file PATH               a record, SDK envelope or fixture file
//	shop serve [--addr ADDR]                   every task's http.Handler under one mux
//
// Each command takes --json for output a program reads. The exit status is
// 0 on success, 1 when something failed (a run's error, a replay whose
// outcome differs from the recorded one, a record that cannot be fetched)
// and 2 on usage errors. Run does the same without exiting, to mount the
// commands in an existing command line.
//
// A replay answers every declared boundary from the record (boundary.Replay)
// unless --mode name=mode or --all say otherwise, so nothing reaches the
// outside world, and prints the recorded outcome beside the new one.
//
// Configuration comes from the environment, as for the rest of hivetrace:
// HIVE_HOST, HIVE_API_KEY and HIVE_API_SECRET (or HIVE_API_SECRET_FILE) for
// --uuid; HIVE_JAEGER_URL or --jaeger for --trace. No secret is ever a flag.
package runner
