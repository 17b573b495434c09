package hive

import (
	"maps"

	"github.com/hivetrace/hivetrace/internal/secret"
)

// ConfigView is a LogClient's resolved configuration with the secrets masked,
// safe to print or log.
type ConfigView struct {
	// ProjectName and ProjectUUID are the resolved project (forge.json
	// included).
	ProjectName string
	ProjectUUID string
	// APIKey is masked: its first 4 characters followed by "…" when it is
	// longer than 8 characters, "[redacted]" when it has 8 or fewer, empty
	// when unset.
	APIKey string
	// APISecret shows nothing of the secret: "[redacted]" when it is set,
	// empty when unset.
	APISecret string
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
		APIKey:      secret.MaskKey(c.s.apiKey),
		APISecret:   secret.Mask(c.s.apiSecret),
		Host:        c.s.host,
		Metadata:    maps.Clone(c.s.metadata),
		ForgePath:   c.s.forgePath,
		Silent:      c.IsSilent(),
	}
}
