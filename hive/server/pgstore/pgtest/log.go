package pgtest

import (
	"io"
	"os"
)

// maxLogBytes bounds how much of the log Log returns.
const maxLogBytes = 1 << 20

// Log returns the output of initdb and of every postmaster of the server so
// far (its last MiB, marked when cut).
func (s *Server) Log() string {
	f, err := os.Open(s.logPath())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	prefix := ""
	if over := fi.Size() - maxLogBytes; over > 0 {
		if _, err := f.Seek(over, io.SeekStart); err != nil {
			return "(no log: " + err.Error() + ")"
		}
		prefix = "[earlier output dropped]\n"
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return prefix + string(data)
}

// logSize returns the log's current size, 0 when there is none yet.
func (s *Server) logSize() int64 {
	fi, err := os.Stat(s.logPath())
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logSince returns the log from byte offset on.
func (s *Server) logSince(offset int64) string {
	f, err := os.Open(s.logPath())
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	data, _ := io.ReadAll(f)
	return string(data)
}
