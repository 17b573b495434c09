package hivesink

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// maxTrims bounds how many times one record is trimmed in one Deliver.
const maxTrims = 16

// Bounds of the preview a truncation marker keeps of a trimmed payload, in
// bytes (a sixteenth of the size aimed at, within these bounds).
const (
	minPreview = 32
	maxPreview = 4 << 10
)

// shrink trims it after the server refused it as too large, and reports
// whether it has a smaller record to send. The size aimed at is half the
// limit the server stated (refused.SizeLimit), or half the size refused when
// that is already below it or no limit was stated; without a stated limit
// it is never below TrimFloorBytes. A record that cannot be made smaller
// than what was refused is not trimmed again.
func (s *Sink) shrink(it *item, refused *hive.APIError) bool {
	if it.trims >= maxTrims {
		return false
	}
	var target int
	if limit := refused.SizeLimit(); limit > 0 {
		target = int(min(limit/2, int64(it.size)))
		if target >= it.size {
			target = it.size / 2
		}
	} else {
		if it.size <= TrimFloorBytes {
			return false
		}
		target = max(it.size/2, TrimFloorBytes)
	}
	rec, data := trimRecord(it.orig, it.origSize, target)
	if data == nil || len(data) >= it.size {
		return false
	}
	it.set(rec, data)
	it.trims++
	return true
}

// tooLargeError is why a record the server refused as too large is given
// up: it cannot be trimmed to fit.
func tooLargeError(it *item, refusal error) error {
	return fmt.Errorf("record of %d bytes does not fit the server's limit even trimmed to %d bytes: %w",
		it.origSize, it.size, refusal)
}

// payload is one trimmable payload of a record copy: where it is, and what
// it was in the original record.
type payload struct {
	at   *json.RawMessage
	orig json.RawMessage
}

// trimRecord returns a copy of rec whose JSON aims at target bytes, and
// that JSON (nil when it cannot be encoded). The largest payloads (input,
// output, boundary call inputs and outputs) are replaced, largest first, by
// truncation markers (otelrecord.Truncate) keeping a preview, until the
// record fits; when that is not enough, every payload larger than its
// marker is replaced by a marker without preview. The copy's metadata
// otelrecord.MetadataTrimmed is origSize, unless rec already carries it
// (a record trimmed before keeps its first size). rec is not modified.
func trimRecord(rec *otelrecord.ExecutionRecord, origSize, target int) (*otelrecord.ExecutionRecord, []byte) {
	cp := *rec
	cp.Metadata = maps.Clone(rec.Metadata)
	if cp.Metadata == nil {
		cp.Metadata = map[string]string{}
	}
	if _, ok := cp.Metadata[otelrecord.MetadataTrimmed]; !ok {
		cp.Metadata[otelrecord.MetadataTrimmed] = strconv.Itoa(origSize)
	}
	var payloads []payload
	found := func(at *json.RawMessage) {
		if _, marker := otelrecord.IsTruncated(*at); !marker && len(*at) > 0 {
			payloads = append(payloads, payload{at: at, orig: *at})
		}
	}
	found(&cp.Input)
	found(&cp.Output)
	if rec.Boundaries != nil {
		cp.Boundaries = make(map[string][]otelrecord.BoundaryRecord, len(rec.Boundaries))
		for name, calls := range rec.Boundaries {
			calls = slices.Clone(calls)
			for i := range calls {
				found(&calls[i].Input)
				found(&calls[i].Output)
			}
			cp.Boundaries[name] = calls
		}
	}
	slices.SortStableFunc(payloads, func(a, b payload) int { return cmp.Compare(len(b.orig), len(a.orig)) })

	data := measure(&cp)
	preview := min(max(target/16, minPreview), maxPreview)
	for _, keep := range []int{preview, 0} {
		size := len(data)
		for _, p := range payloads {
			if size <= target {
				break
			}
			marker, cut := otelrecord.Truncate(p.orig, max(2*keep, 1))
			if !cut || len(marker) >= len(*p.at) {
				continue
			}
			size -= len(*p.at) - len(marker)
			*p.at = marker
		}
		data = measure(&cp)
		if data == nil || len(data) <= target {
			break
		}
	}
	return &cp, data
}
