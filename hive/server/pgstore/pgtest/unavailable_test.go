package pgtest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

// recorder is a testing.TB whose Fatalf and Skipf record their message
// instead of ending the test.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.skip = fmt.Sprintf(format, args...) }

// Without PostgreSQL a test is skipped, with the reason, except under
// CI=true, where it fails: CI must run the tests against a real server.
func TestWithoutPostgreSQLSkipsOrFailsUnderCI(t *testing.T) {
	t.Setenv(pgtest.EnvBin, t.TempDir()) // a directory without initdb

	for _, tc := range []struct {
		ci        string
		wantFatal bool
	}{{"", false}, {"false", false}, {"true", true}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			rec := &recorder{TB: t}
			assert.Nil(t, pgtest.Start(rec))
			if tc.wantFatal {
				assert.Empty(t, rec.skip)
				assert.Contains(t, rec.fatal, "PostgreSQL is required when CI=true")
				assert.Contains(t, rec.fatal, "initdb")
				return
			}
			assert.Empty(t, rec.fatal)
			assert.Contains(t, rec.skip, "PostgreSQL unavailable")
			assert.Contains(t, rec.skip, pgtest.EnvBin)
		})
	}
}
