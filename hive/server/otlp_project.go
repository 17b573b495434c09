package server

import (
	"fmt"

	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// otlpProject is the project the records of a resource's runs belong to.
type otlpProject struct {
	uuid, name string
}

// projectOf returns the project a resource names: hive.project.uuid and
// hive.project.name, the name defaulting to service.name. As for an ingest
// body (ingestProject), a project without name is LocalName and a project
// without uuid gets the uuid derived from its name, so spans and records
// posted by the same process land in the same project. The error says why
// the attributes cannot name a project.
func projectOf(a resourceAttrs) (otlpProject, error) {
	if a.badType != "" {
		return otlpProject{}, fmt.Errorf("resource attribute %s is not a string", a.badType)
	}
	if err := checkID(string(otlpspan.ProjectUUIDKey), a.projectUUID, true); err != nil {
		return otlpProject{}, err
	}
	name, field := a.projectName, string(otlpspan.ProjectNameKey)
	if name == "" {
		name, field = a.serviceName, resourceServiceName
	}
	if name != "" {
		if err := checkName(field, name); err != nil {
			return otlpProject{}, err
		}
	}
	id, name := ingestProject(a.projectUUID, name)
	return otlpProject{uuid: id, name: name}, nil
}
