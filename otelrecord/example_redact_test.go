package otelrecord_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hivetrace/hivetrace/otelrecord"
)

func ExampleRedactor() {
	r := otelrecord.NewRedactor(otelrecord.RedactPolicy{
		Keys: []string{"ssn"}, // added to otelrecord.DefaultRedactKeys
		Func: func(path []string, key string, value json.RawMessage) (json.RawMessage, bool) {
			if key == "email" { // keep the domain only
				var s string
				if json.Unmarshal(value, &s) == nil {
					if _, domain, ok := strings.Cut(s, "@"); ok {
						return json.RawMessage(`"***@` + domain + `"`), true
					}
				}
			}
			return nil, false
		},
	})
	payload := []byte(`[{"user":"ann","email":"ann@example.com","SSN":"078-05-1120","auth":{"Access-Token":"t"}}]`)
	fmt.Println(string(r.Redact(payload)))
	fmt.Println(string(r.Redact([]byte(`42`)))) // no object, no key: the payload itself
	// Output:
	// [{"user":"ann","email":"***@example.com","SSN":"[REDACTED]","auth":{"Access-Token":"[REDACTED]"}}]
	// 42
}
