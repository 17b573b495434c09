package recordfmt_test

import (
	"os"

	"github.com/hivetrace/hivetrace/internal/recordfmt"
	"github.com/hivetrace/hivetrace/otelrecord"
)

func ExampleWriteTimingTable() {
	rec := &otelrecord.ExecutionRecord{
		UUID:     "0193f0a0-0000-7000-8000-000000000001",
		TaskName: "checkout",
		Type:     otelrecord.TypeSuccess,
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			"chargeCard": {{Input: []byte(`[42]`), Output: []byte(`"ok"`), Timing: &otelrecord.TimingInfo{StartTime: 1001, EndTime: 1031, Duration: 30.2}}},
			"sendEmail":  {},
		},
		Timing: &otelrecord.TimingInfo{StartTime: 1000, EndTime: 1040, Duration: 40.75},
	}
	_ = recordfmt.WriteTimingTable(os.Stdout, rec)
	// Output:
	// checkout 0193f0a0-0000-7000-8000-000000000001: success, 40.750 ms, 1 boundary call
	// BOUNDARY    CALL  START (ms)  DURATION (ms)  OUTCOME
	// chargeCard  1     1           30.200         ok
	// sendEmail   -     -           -              not called
}
