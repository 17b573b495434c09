package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
)

func main() {
	testing.Init()
	quick := flag.Bool("quick", false, "small sizes (seconds, not minutes): the figures are then not the reference ones")
	skipJaeger := flag.Bool("skip-jaeger", false, "skip figure 6 (real Jaeger)")
	skipMemory := flag.Bool("skip-memory", false, "skip figure 5 (a million runs)")
	check := flag.Bool("check", false, "exit with status 1 when a figure misses its target (make bench-check)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `file`")
	flag.Parse()

	s := fullSizes()
	if *quick {
		s = quickSizes()
	}
	s.skipJaeger, s.skipMemory, s.progress = *skipJaeger, *skipMemory, stderr

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}

	fmt.Printf("hivetrace benchmarks: %s, %d CPUs (GOMAXPROCS %d), %s/%s\n\n",
		runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	rows, err := measure(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if missed := writeTable(os.Stdout, rows); missed > 0 && *check {
		os.Exit(1) // the table says which figure missed, loudly
	}
}

// quickSizes are small workloads for a smoke run.
func quickSizes() sizes {
	s := fullSizes()
	s.replay, s.memoryRuns, s.jaegerRuns, s.warmup = 10_000, 20_000, 200, 1000
	s.benchtime, s.rebuildtime = "200ms", "200ms"
	s.replayTarget /= 10
	s.otlpRequests = 40
	return s
}
