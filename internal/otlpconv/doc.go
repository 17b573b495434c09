// Package otlpconv holds the conversions every decoder of OTLP spans shares,
// whatever the encoding (protobuf or JSON): ids, timestamps, status codes and
// array attribute values, each with one rule for its edge values.
package otlpconv
