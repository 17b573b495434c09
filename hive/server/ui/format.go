package ui

import (
	"fmt"
	"strconv"
	"time"
)

// timeLayout is how pages show a moment: UTC, to the second.
const timeLayout = "2006-01-02 15:04:05Z"

// formatTime formats t for a page; "—" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(timeLayout)
}

// formatMs formats a duration given in milliseconds, keeping what
// precision matters: "0.25 ms", "12 ms", "1.50 s", "2m3s".
func formatMs(ms float64) string {
	switch {
	case ms < 0:
		return "-" + formatMs(-ms)
	case ms < 1:
		return strconv.FormatFloat(ms, 'f', 3, 64) + " ms"
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	case ms < 1000:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	case ms < 60_000:
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + " s"
	default:
		return time.Duration(ms * float64(time.Millisecond)).Round(time.Second).String()
	}
}

// formatDuration formats d for a page; "—" for zero.
func formatDuration(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return formatMs(float64(d) / float64(time.Millisecond))
}

// formatPercent formats part/total as a percentage; "—" when total is 0.
func formatPercent(part, total int64) string {
	if total == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(total))
}
