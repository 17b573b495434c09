package otlpspan

import "go.opentelemetry.io/otel/attribute"

// Resource attributes with which a sender of OTLP spans names the Hive
// project the records rebuilt from them belong to (the project settings of
// the Hive client: hive.Config's ProjectUUID and ProjectName). The Hive
// server's OTLP endpoint reads them from the resource of each ResourceSpans.
const (
	// ProjectUUIDKey is the project's uuid.
	ProjectUUIDKey = attribute.Key("hive.project.uuid")
	// ProjectNameKey is the project's name.
	ProjectNameKey = attribute.Key("hive.project.name")
)
