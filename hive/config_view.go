package hive

import (
	"maps"
	"strings"
)

// ConfigView is a LogClient's resolved configuration with the secrets masked,
// safe to print or log.
type ConfigView struct {
	// ProjectName and ProjectUUID are the resolved project (forge.json
	// included).
	ProjectName string
	ProjectUUID string
	// APIKey and APISecret are masked: only the first 4 and last 4 characters
	// of a value longer than 8 characters are kept; shorter values are all
	// asterisks.
	APIKey, APISecret string
	// Host is the resolved server URL.
	Host string
	// Metadata is a copy of the base metadata.
	Metadata map[string]string
	// ForgePath is the forge.json path; empty when none.
	ForgePath string
	// Silent is true when the client has no credentials.
	Silent bool
}

// Conf returns the client's resolved configuration with secrets masked.
func (c *LogClient) Conf() ConfigView {
	return ConfigView{
		ProjectName: c.s.projectName,
		ProjectUUID: c.s.projectUUID,
		APIKey:      mask(c.s.apiKey),
		APISecret:   mask(c.s.apiSecret),
		Host:        c.s.host,
		Metadata:    maps.Clone(c.s.metadata),
		ForgePath:   c.s.forgePath,
		Silent:      c.IsSilent(),
	}
}

// mask keeps the first 4 and last 4 characters of a secret longer than 8
// characters and replaces the rest (all of a shorter one) with asterisks.
func mask(secret string) string {
	r := []rune(secret)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}
