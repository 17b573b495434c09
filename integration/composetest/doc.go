// Package composetest keeps docker-compose.yaml, the Dockerfile and deploy/
// in step with the code. No Docker engine is needed: the tests parse the
// files and compare them with the values in defaults.go, which name the
// code's defaults (ports, addresses, environment variables) in one place.
//
// When a default changes in the code, change it in defaults.go too; the
// tests then say which deployment file disagrees.
package composetest
