package jaegertest

import (
	"bytes"
	_ "embed" // for the configuration template
	"fmt"
	"text/template"
)

// The configuration template, a copy of a verified minimal Jaeger v2
// configuration with its four endpoints and the trace limit as template
// fields.
//
//go:embed jaeger.yaml.tmpl
var configTemplateText string

var configTemplate = template.Must(template.New("jaeger.yaml").
	Option("missingkey=error").Parse(configTemplateText))

// defaultMaxTraces is how many traces the in-memory store keeps: enough for
// the end-to-end benchmark's 10 000 runs with room to spare.
const defaultMaxTraces = 100000

// endpoints are the four host:port addresses a Jaeger process listens on.
type endpoints struct {
	OTLPGRPC  string
	OTLPHTTP  string
	QueryHTTP string
	QueryGRPC string
}

// configData is what the template is executed with.
type configData struct {
	endpoints
	MaxTraces int
}

// renderConfig returns the Jaeger configuration file for ep.
func renderConfig(ep endpoints) ([]byte, error) {
	var buf bytes.Buffer
	if err := configTemplate.Execute(&buf, configData{endpoints: ep, MaxTraces: defaultMaxTraces}); err != nil {
		return nil, fmt.Errorf("jaegertest: render config: %w", err)
	}
	return buf.Bytes(), nil
}
