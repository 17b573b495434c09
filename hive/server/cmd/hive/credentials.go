package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hivetrace/hivetrace/internal/secret"
)

// Environment variables of the credentials.
const (
	envAPIKey        = "HIVE_API_KEY"
	envAPISecret     = "HIVE_API_SECRET"
	envAPISecretFile = "HIVE_API_SECRET_FILE"
)

// maxSecretFileBytes bounds what is read of a secret file.
const maxSecretFileBytes = 64 << 10

// errSecretFlag refuses a secret given as a flag value.
var errSecretFlag = errors.New("--api-secret is not accepted: a secret on the command line is visible to anyone " +
	"who can list processes; set " + envAPISecret + ", or write the secret to a file and pass --api-secret-file PATH " +
	"(or set " + envAPISecretFile + ")")

// credentialFlags are the flags that supply credentials: the API key (a key
// is not secret) and the file that holds the API secret. The secret itself
// is never a flag value.
type credentialFlags struct {
	apiKey     secret.Value
	secretFile string
}

// addCredentialFlags adds --api-key and --api-secret-file; whose says whose
// credentials they are.
func addCredentialFlags(fs *flag.FlagSet, c *credentialFlags, whose string) {
	fs.Func("api-key", "API `key` "+whose+" (default $"+envAPIKey+")", func(v string) error {
		c.apiKey = secret.NewKey(v)
		return nil
	})
	fs.StringVar(&c.secretFile, "api-secret-file", "", "`file` holding the API secret "+whose+
		", alone (a trailing newline is ignored); default $"+envAPISecret+", else the file $"+envAPISecretFile+" names")
}

// credentials are a resolved API key and secret.
type credentials struct {
	apiKey, apiSecret secret.Value
}

// resolve returns the credentials: the key from --api-key, else
// HIVE_API_KEY; the secret from the --api-secret-file file, else
// HIVE_API_SECRET, else the file HIVE_API_SECRET_FILE names. It runs after
// parsing, so --help never reads them. Either may be unset.
func (c credentialFlags) resolve() (credentials, error) {
	creds := credentials{apiKey: c.apiKey}
	if !creds.apiKey.IsSet() {
		creds.apiKey = secret.NewKey(os.Getenv(envAPIKey))
	}
	var (
		text string
		err  error
	)
	envSecret, envFile := os.Getenv(envAPISecret), os.Getenv(envAPISecretFile)
	switch {
	case c.secretFile != "":
		text, err = readSecretFile(c.secretFile, "--api-secret-file")
	case envSecret != "" && envFile != "":
		err = fmt.Errorf("both %s and %s are set: set one", envAPISecret, envAPISecretFile)
	case envSecret != "":
		text = envSecret
	case envFile != "":
		text, err = readSecretFile(envFile, envAPISecretFile)
	}
	if err != nil {
		return credentials{}, err
	}
	creds.apiSecret = secret.New(text)
	return creds, nil
}

// readSecretFile returns the secret the file at path holds, without its
// trailing newline; source names where path came from. A file that cannot
// be read, is empty, holds more than one line or is over
// maxSecretFileBytes is an error.
func readSecretFile(path, source string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: cannot read the secret: %w", source, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("%s: cannot read the secret from %s: %w", source, path, err)
	}
	if len(data) > maxSecretFileBytes {
		return "", fmt.Errorf("%s: %s is over %d bytes: it must hold the API secret alone", source, path, maxSecretFileBytes)
	}
	text := strings.TrimRight(string(data), "\r\n")
	switch {
	case text == "":
		return "", fmt.Errorf("%s: %s is empty: it must hold the API secret", source, path)
	case strings.ContainsAny(text, "\r\n"):
		return "", fmt.Errorf("%s: %s holds more than one line: it must hold the API secret alone", source, path)
	}
	return text, nil
}

// refuseSecretFlag returns errSecretFlag when args pass --api-secret (in any
// of the flag package's spellings) to a command that takes credentials.
// Arguments after "--" are not flags.
func refuseSecretFlag(fs *flag.FlagSet, args []string) error {
	if fs.Lookup("api-secret-file") == nil {
		return nil
	}
	for _, a := range args {
		if a == "--" {
			return nil
		}
		name, ok := strings.CutPrefix(a, "-")
		if !ok {
			continue
		}
		name = strings.TrimPrefix(name, "-")
		name, _, _ = strings.Cut(name, "=")
		if name == "api-secret" {
			return errSecretFlag
		}
	}
	return nil
}
