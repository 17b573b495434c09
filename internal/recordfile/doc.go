// Package recordfile reads and rewrites the files a run's record is kept
// in outside Hive, for the runner's replay --file and the tasktest
// package: a bare execution record, the Hive SDK's envelope
// ({"uuid","taskName",…,"logItem": <record object or JSON string>}), and a
// Forge fixture, wrapped as GET /api/fixture/{uuid} answers it
// ({"fixture":{…}}) or bare as the forge CLI's fixture:download writes it
// ({"fixtureUUID","name","taskName","projectName","type","input","output",
// "boundaries","context"}, as hive fixture download writes it too), whose
// context (string members) becomes the record's metadata.
//
// It depends on the standard library and otelrecord only.
package recordfile
