package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
)

// FuzzDecodeBatch checks decodeBatch against encoding/json: it accepts
// exactly the JSON arrays, returns their items unchanged and in order, and
// refuses an array longer than the limit with 413 (also when the body turns
// out malformed after the limit, which it does not read), anything else with
// 400.
func FuzzDecodeBatch(f *testing.F) {
	for _, seed := range []string{
		`[]`, `[{}]`, `[{"logItem":"{}"},{"logItem":{"taskName":"t"}}]`, ` [ 1 , "x" , null , [] ] `,
		`[{},{},{},{}]`, `[{} {}]`, `[1,]`, `[`, `]`, `{}`, `null`, `"x"`, ``, `[] []`, `[]x`,
		`[{"a":[[[[[]]]]]}]`, "[\"\\ud800\"]", `[1e400]`, `[{"a":"\u0000"}]`,
	} {
		f.Add([]byte(seed))
	}
	const limit = 3
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := decodeBatch(data, limit)
		var std []json.RawMessage
		stdErr := json.Unmarshal(data, &std)
		isArray := stdErr == nil && bytes.HasPrefix(bytes.TrimSpace(data), []byte("["))
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) {
				t.Fatalf("error %v is not an *httpError", err)
			}
			switch {
			case he.status == http.StatusRequestEntityTooLarge:
				if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) || (isArray && len(std) <= limit) {
					t.Fatalf("413 for %q, which is not an array of more than %d items", data, limit)
				}
			case he.status == http.StatusBadRequest:
				if isArray {
					t.Fatalf("400 for the JSON array %q: %v", data, err)
				}
			default:
				t.Fatalf("status %d for %q", he.status, data)
			}
			return
		}
		if !isArray {
			t.Fatalf("accepted %q, which is not a JSON array (%v)", data, stdErr)
		}
		if len(items) != len(std) || len(items) > limit {
			t.Fatalf("%d items for %q, encoding/json finds %d", len(items), data, len(std))
		}
		for i := range items {
			var a, b bytes.Buffer
			if json.Compact(&a, items[i]) != nil || json.Compact(&b, std[i]) != nil || a.String() != b.String() {
				t.Fatalf("item %d is %q, encoding/json reads %q", i, items[i], std[i])
			}
		}
	})
}
