package pgtest

// Option configures a server that Start starts.
type Option func(*config)

// config is what the Options set.
type config struct {
	durable  bool
	settings [][2]string // name, value; later ones win
}

// Durable makes the server keep every committed transaction through a crash
// of its processes (fsync, full_page_writes and synchronous_commit on), as a
// production server does. Without it, a transaction committed less than a
// fraction of a second before Kill may be lost; after Stop nothing is.
func Durable() Option { return func(c *config) { c.durable = true } }

// Setting sets a server configuration parameter on the postgres command line
// (-c name=value), after and over the ones pgtest sets.
func Setting(name, value string) Option {
	return func(c *config) { c.settings = append(c.settings, [2]string{name, value}) }
}

// serverArgs returns the postgres command-line settings for c.
func (c config) serverArgs() []string {
	onOff := "off"
	if c.durable {
		onOff = "on"
	}
	settings := [][2]string{
		{"fsync", onOff},
		{"full_page_writes", onOff},
		{"synchronous_commit", onOff},
		{"max_connections", "200"},
	}
	settings = append(settings, c.settings...)
	args := make([]string, 0, 2*len(settings))
	for _, s := range settings {
		args = append(args, "-c", s[0]+"="+s[1])
	}
	return args
}
