package composetest

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// repoRoot is the repository root, relative to this package's directory
// (where go test runs the tests).
const repoRoot = "../.."

// composeFile is the part of the Compose specification the checks read.
type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string        `yaml:"image"`
	Build       *buildSpec    `yaml:"build"`
	Command     stringList    `yaml:"command"`
	Environment environment   `yaml:"environment"`
	Ports       []portMapping `yaml:"ports"`
	Volumes     []volumeMount `yaml:"volumes"`
	DependsOn   serviceList   `yaml:"depends_on"`
	Healthcheck *healthcheck  `yaml:"healthcheck"`
}

// healthcheck is a service's `healthcheck:`.
type healthcheck struct {
	Test     stringList `yaml:"test"`
	Interval string     `yaml:"interval"`
	Timeout  string     `yaml:"timeout"`
	Retries  int        `yaml:"retries"`
}

// buildSpec is `build:` as a context path or a mapping.
type buildSpec struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
	Target     string `yaml:"target"`
}

func (b *buildSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	type plain buildSpec
	return n.Decode((*plain)(b))
}

// stringList is a command as a list, or as a string split on white space.
type stringList []string

func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = strings.Fields(n.Value)
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

// environment is `environment:` as a mapping or a list of NAME=value.
type environment map[string]string

func (e *environment) UnmarshalYAML(n *yaml.Node) error {
	out := environment{}
	switch n.Kind {
	case yaml.MappingNode:
		var m map[string]*string
		if err := n.Decode(&m); err != nil {
			return err
		}
		for k, v := range m {
			if v != nil {
				out[k] = *v
			} else {
				out[k] = ""
			}
		}
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		for _, kv := range l {
			k, v, _ := strings.Cut(kv, "=")
			out[k] = v
		}
	default:
		return fmt.Errorf("line %d: environment must be a mapping or a list", n.Line)
	}
	*e = out
	return nil
}

// portMapping is one entry of `ports:`, short or long syntax.
type portMapping struct {
	HostIP    string
	Published int // 0 when not published on a fixed host port
	Target    int
	Protocol  string
}

func (p *portMapping) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		pm, err := parsePort(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		*p = pm
		return nil
	}
	var long struct {
		Target    int    `yaml:"target"`
		Published string `yaml:"published"`
		HostIP    string `yaml:"host_ip"`
		Protocol  string `yaml:"protocol"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	*p = portMapping{HostIP: long.HostIP, Target: long.Target, Protocol: long.Protocol}
	if long.Published != "" {
		pub, err := parsePortNumber(long.Published)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		p.Published = pub
	}
	return nil
}

// parsePort parses the short port syntax [[host_ip:]published:]target[/protocol].
// Port ranges are not supported.
func parsePort(s string) (portMapping, error) {
	var pm portMapping
	s, pm.Protocol, _ = strings.Cut(s, "/")
	if strings.HasPrefix(s, "[") { // an IPv6 host address
		end := strings.Index(s, "]:")
		if end < 0 {
			return portMapping{}, fmt.Errorf("port %q: unterminated IPv6 address", s)
		}
		pm.HostIP, s = s[1:end], s[end+2:]
	}
	parts := strings.Split(s, ":")
	switch len(parts) {
	case 1, 2:
	case 3:
		if pm.HostIP != "" {
			return portMapping{}, fmt.Errorf("port %q: two host addresses", s)
		}
		pm.HostIP, parts = parts[0], parts[1:]
	default:
		return portMapping{}, fmt.Errorf("port %q: too many colons", s)
	}
	target, err := parsePortNumber(parts[len(parts)-1])
	if err != nil {
		return portMapping{}, err
	}
	pm.Target = target
	if len(parts) == 2 && parts[0] != "" {
		if pm.Published, err = parsePortNumber(parts[0]); err != nil {
			return portMapping{}, err
		}
	}
	return pm, nil
}

// parsePortNumber parses a port in 1..65535.
func parsePortNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q: not a number in 1..65535", s)
	}
	return n, nil
}

// volumeMount is one entry of a service's `volumes:`, short or long syntax.
type volumeMount struct {
	Source   string `yaml:"source"`
	Target   string `yaml:"target"`
	ReadOnly bool   `yaml:"read_only"`
}

func (v *volumeMount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		type plain volumeMount
		return n.Decode((*plain)(v))
	}
	parts := strings.Split(n.Value, ":")
	switch len(parts) {
	case 1:
		*v = volumeMount{Target: parts[0]}
	case 2:
		*v = volumeMount{Source: parts[0], Target: parts[1]}
	case 3:
		*v = volumeMount{Source: parts[0], Target: parts[1], ReadOnly: strings.Contains(parts[2], "ro")}
	default:
		return fmt.Errorf("line %d: volume %q: too many colons", n.Line, n.Value)
	}
	return nil
}

// serviceList is `depends_on:` as a list or a mapping.
type serviceList []string

func (s *serviceList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			*s = append(*s, n.Content[i].Value)
		}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

// loadCompose parses docker-compose.yaml at the repository root.
func loadCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yaml"))
	require.NoError(t, err)
	var c composeFile
	require.NoError(t, yaml.Unmarshal(data, &c))
	return c
}

// service returns the named compose service, failing the test without it.
func service(t *testing.T, c composeFile, name string) composeService {
	t.Helper()
	s, ok := c.Services[name]
	require.True(t, ok, "docker-compose.yaml has no service %q", name)
	return s
}

// publishes reports whether s publishes container port target on host port
// published.
func publishes(s composeService, published, target int) bool {
	for _, p := range s.Ports {
		if p.Published == published && p.Target == target && (p.Protocol == "" || p.Protocol == "tcp") {
			return true
		}
	}
	return false
}

// mountedAt returns the source of the last volume s mounts at target, or
// "" when none is.
func mountedAt(s composeService, target string) string {
	source := ""
	for _, v := range s.Volumes {
		if v.Target == target {
			source = v.Source
		}
	}
	return source
}

func TestComposeServicesExist(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{JaegerService, CollectorService, HiveService, HiveReplica, PostgresService, ExampleService} {
		assert.Contains(t, c.Services, name)
	}
}

func TestComposeJaeger(t *testing.T) {
	s := service(t, loadCompose(t), JaegerService)
	assert.Regexp(t, `^jaegertracing/jaeger:2\.\d+\.\d+$`, s.Image, "the upstream Jaeger v2 image (it has the UI), pinned")
	assert.True(t, publishes(s, JaegerUIPort, JaegerUIPort), "Jaeger UI on %d", JaegerUIPort)
	assert.Equal(t, "0.0.0.0", s.Environment["JAEGER_LISTEN_HOST"], "Jaeger must listen beyond the container's loopback")
}

func TestComposeCollector(t *testing.T) {
	s := service(t, loadCompose(t), CollectorService)
	assert.Regexp(t, `^otel/opentelemetry-collector-contrib:\d+\.\d+\.\d+$`, s.Image)
	assert.True(t, publishes(s, OTLPGRPCPort, OTLPGRPCPort), "OTLP gRPC on %d", OTLPGRPCPort)
	assert.True(t, publishes(s, OTLPHTTPPort, OTLPHTTPPort), "OTLP HTTP on %d", OTLPHTTPPort)
	assert.Contains(t, s.DependsOn, JaegerService)
	assert.Contains(t, s.DependsOn, HiveService)

	// It presents hive serve's own credentials (${env:...} in its
	// configuration, checked by checkCollectorConfig).
	hive := service(t, loadCompose(t), HiveService)
	for _, name := range HiveEnv {
		assert.NotEmpty(t, s.Environment[name], "%s: %s must be set", CollectorService, name)
		assert.Equal(t, hive.Environment[name], s.Environment[name], "%s differs between %s and %s", name, HiveService, CollectorService)
	}

	// The configuration it runs is a file of the repository, mounted where
	// --config points.
	var configFlag string
	for _, arg := range s.Command {
		if v, ok := strings.CutPrefix(arg, "--config="); ok {
			configFlag = v
		}
	}
	require.NotEmpty(t, configFlag, "collector command %q has no --config=", s.Command)
	mounted := mountedAt(s, configFlag)
	require.NotEmpty(t, mounted, "nothing is mounted at %s", configFlag)
	require.True(t, strings.HasPrefix(mounted, "./"), "mount %q should be a repository path", mounted)
	checkCollectorConfig(t, filepath.Join(repoRoot, mounted))
}

func TestComposeHive(t *testing.T) {
	c := loadCompose(t)
	_, defaultPort, err := net.SplitHostPort(HiveDefaultAddr)
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(HivePort), defaultPort)

	first := service(t, c, HiveService)
	for name, port := range HiveReplicas {
		s := service(t, c, name)
		require.NotNil(t, s.Build, "%s: the Hive server is built from the repository", name)
		checkBuild(t, *s.Build, HiveTarget)
		assert.Equal(t, first.Image, s.Image, "%s runs the image %s does", name, HiveService)
		assert.True(t, publishes(s, port, HivePort), "%s on %d", name, port)

		// hive serve on every interface, same port as the default address,
		// its database named by the environment, not by --db (which would
		// win over it).
		require.NotEmpty(t, s.Command)
		assert.Equal(t, "serve", s.Command[0])
		assert.Equal(t, "0.0.0.0:"+strconv.Itoa(HivePort), flagValue(s.Command, "addr"), name)
		assert.Empty(t, flagValue(s.Command, "db"), "%s: the database is %s's", name, HiveDatabaseEnv)

		for _, v := range append([]string{HiveDatabaseEnv}, HiveEnv...) {
			assert.NotEmpty(t, s.Environment[v], "%s: %s must be set", name, v)
			assert.Equal(t, first.Environment[v], s.Environment[v], "%s differs between %s and %s", v, HiveService, name)
		}
		assert.Equal(t, "service_healthy", dependsOnCondition(t, name, PostgresService),
			"%s starts once PostgreSQL answers", name)
	}
	ports := map[int]string{}
	for name, port := range HiveReplicas {
		assert.Empty(t, ports[port], "%s and %s publish the same port", name, ports[port])
		ports[port] = name
	}
}

func TestComposePostgres(t *testing.T) {
	c := loadCompose(t)
	pg := service(t, c, PostgresService)
	assert.Regexp(t, fmt.Sprintf(`^postgres:%d(\.\d+)?(-\w+)?$`, PostgresMajor), pg.Image, "the official image, major version pinned")
	for _, v := range PostgresEnv {
		assert.NotEmpty(t, pg.Environment[v], "postgres: %s must be set", v)
	}
	assert.Empty(t, pg.Ports, "PostgreSQL stays inside the compose network")

	volume := mountedAt(pg, PostgresDataDir)
	require.NotEmpty(t, volume, "%s is not a volume", PostgresDataDir)
	assert.Contains(t, c.Volumes, volume, "named volume %q is declared", volume)

	require.NotNil(t, pg.Healthcheck, "the replicas wait for a healthy PostgreSQL")
	test := strings.Join(pg.Healthcheck.Test, " ")
	assert.Contains(t, test, "pg_isready")
	assert.Contains(t, test, "-U "+pg.Environment["POSTGRES_USER"])
	assert.Contains(t, test, "-d "+pg.Environment["POSTGRES_DB"])
	assert.Positive(t, pg.Healthcheck.Retries)

	// The replicas' database URL, as it is without the environment, names
	// this server, user, password and database.
	dsn, err := url.Parse(composeDefault(service(t, c, HiveService).Environment[HiveDatabaseEnv]))
	require.NoError(t, err)
	assert.Contains(t, []string{"postgres", "postgresql"}, dsn.Scheme)
	assert.Equal(t, fmt.Sprintf("%s:%d", PostgresService, PostgresPort), dsn.Host)
	assert.Equal(t, composeDefault(pg.Environment["POSTGRES_USER"]), dsn.User.Username())
	password, _ := dsn.User.Password()
	assert.Equal(t, composeDefault(pg.Environment["POSTGRES_PASSWORD"]), password)
	assert.Equal(t, "/"+composeDefault(pg.Environment["POSTGRES_DB"]), dsn.Path)
	assert.Equal(t, "disable", dsn.Query().Get("sslmode"), "the postgres image serves no TLS")
}

// interpolation matches the ${NAME}, ${NAME:-default} and ${NAME-default}
// forms of Compose's interpolation.
var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}`)

// composeDefault returns a compose value as it is with none of the variables
// it names set: each ${NAME:-default} is its default, each ${NAME} empty.
func composeDefault(v string) string {
	return interpolation.ReplaceAllString(v, "$2")
}

func TestComposeDefault(t *testing.T) {
	assert.Equal(t, "a-demo-b", composeDefault("a-${X:-demo}-b"))
	assert.Equal(t, "postgres://u:p@h/d?x=1", composeDefault("${URL:-postgres://u:p@h/d?x=1}"))
	assert.Equal(t, "x", composeDefault("x${UNSET}"))
	assert.Equal(t, "d", composeDefault("${V-d}"))
}

// dependsOnCondition returns the condition service waits for dependency
// with (`depends_on:` long syntax), "" when it does not depend on it, and
// "service_started" for the short syntax.
func dependsOnCondition(t *testing.T, service, dependency string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yaml"))
	require.NoError(t, err)
	var c struct {
		Services map[string]struct {
			DependsOn yaml.Node `yaml:"depends_on"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(data, &c))
	n := c.Services[service].DependsOn
	switch n.Kind {
	case yaml.SequenceNode:
		for _, d := range n.Content {
			if d.Value == dependency {
				return "service_started"
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value != dependency {
				continue
			}
			var long struct {
				Condition string `yaml:"condition"`
			}
			require.NoError(t, n.Content[i+1].Decode(&long))
			if long.Condition == "" {
				return "service_started"
			}
			return long.Condition
		}
	}
	return ""
}

func TestComposeService(t *testing.T) {
	c := loadCompose(t)
	s := service(t, c, ExampleService)
	require.NotNil(t, s.Build, "the example service is built from the repository")
	checkBuild(t, *s.Build, ServiceTarget)
	assert.True(t, publishes(s, ServicePort, ServicePort), "example service on %d", ServicePort)
	assert.Contains(t, s.DependsOn, CollectorService)
	assert.Contains(t, s.DependsOn, HiveService)

	for _, name := range append(ServiceEnv, serviceSourceEnv(t)...) {
		assert.NotEmpty(t, s.Environment[name], "service: %s must be set", name)
	}
	env := s.Environment
	assert.Equal(t, fmt.Sprintf("http://%s:%d", CollectorService, OTLPGRPCPort), env["OTEL_EXPORTER_OTLP_ENDPOINT"])
	assert.Equal(t, "grpc", env["OTEL_EXPORTER_OTLP_PROTOCOL"], "port %d speaks OTLP gRPC", OTLPGRPCPort)
	assert.Equal(t, fmt.Sprintf("http://%s:%d", HiveService, HivePort), env["HIVE_HOST"])

	// The service and the server share one credential pair.
	hive := service(t, c, HiveService)
	for _, name := range HiveEnv {
		assert.Equal(t, hive.Environment[name], env[name], "%s differs between %s and %s", name, HiveService, ExampleService)
	}

	// The records hive serve rebuilds from the service's spans land in the
	// project the service delivers its own records to, so each is stored
	// once.
	res, err := parseResourceAttributes(env["OTEL_RESOURCE_ATTRIBUTES"])
	require.NoError(t, err)
	assert.Equal(t, env["HIVE_PROJECT_UUID"], res[string(otlpspan.ProjectUUIDKey)], "OTEL_RESOURCE_ATTRIBUTES names the project of HIVE_PROJECT_UUID")
	assert.Equal(t, env["HIVE_PROJECT_NAME"], res[string(otlpspan.ProjectNameKey)], "OTEL_RESOURCE_ATTRIBUTES names the project of HIVE_PROJECT_NAME")
}

// parseResourceAttributes parses OTEL_RESOURCE_ATTRIBUTES: key=value pairs
// separated by commas, values percent-decoded, as the SDK reads it.
func parseResourceAttributes(s string) (map[string]string, error) {
	out := make(map[string]string)
	for pair := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("resource attribute %q: no =", pair)
		}
		v, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("resource attribute %q: %w", pair, err)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

func TestParseResourceAttributes(t *testing.T) {
	got, err := parseResourceAttributes("a=1, b = x%20y ,,c=${V:-d=e}")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "1", "b": "x y", "c": "${V:-d=e}"}, got)
	_, err = parseResourceAttributes("novalue")
	require.Error(t, err)
}

// checkBuild checks that a compose build uses the repository's Dockerfile
// and a target it defines.
func checkBuild(t *testing.T, b buildSpec, target string) {
	t.Helper()
	assert.Equal(t, ".", b.Context, "build context is the repository root")
	dockerfile := b.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	require.FileExists(t, filepath.Join(repoRoot, b.Context, dockerfile))
	assert.Equal(t, target, b.Target)
	stages := loadDockerfile(t)
	assert.Contains(t, stages.names(), b.Target, "Dockerfile has no stage %q", b.Target)
}

// flagValue returns the value of --name or -name in args, in either the
// "--name value" or the "--name=value" form.
func flagValue(args []string, name string) string {
	for i, a := range args {
		for _, prefix := range []string{"--", "-"} {
			if a == prefix+name && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, prefix+name+"="); ok {
				return v
			}
		}
	}
	return ""
}

// withoutFlag returns args without --name or -name and its value, in
// either form.
func withoutFlag(args []string, name string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--"+name || a == "-"+name {
			i++ // its value
			continue
		}
		if strings.HasPrefix(a, "--"+name+"=") || strings.HasPrefix(a, "-"+name+"=") {
			continue
		}
		out = append(out, a)
	}
	return out
}

func TestWithoutFlag(t *testing.T) {
	assert.Equal(t, []string{"serve", "--addr", "x"}, withoutFlag([]string{"serve", "--addr", "x", "--db", "/d"}, "db"))
	assert.Equal(t, []string{"serve"}, withoutFlag([]string{"serve", "-db=/d"}, "db"))
	assert.Equal(t, []string{"serve", "--dbx", "1"}, withoutFlag([]string{"serve", "--dbx", "1"}, "db"))
}

func TestParsePort(t *testing.T) {
	for in, want := range map[string]portMapping{
		"8080:8080":          {Published: 8080, Target: 8080},
		"4317":               {Target: 4317},
		"127.0.0.1:16686:80": {HostIP: "127.0.0.1", Published: 16686, Target: 80},
		"[::1]:5000:5001":    {HostIP: "::1", Published: 5000, Target: 5001},
		"6831:6831/udp":      {Published: 6831, Target: 6831, Protocol: "udp"},
		"127.0.0.1::80":      {HostIP: "127.0.0.1", Target: 80},
	} {
		got, err := parsePort(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "x:80", "1:2:3:4", "0:80", "80:70000", "8000-8010:8000-8010", "[::1:80"} {
		_, err := parsePort(bad)
		assert.Error(t, err, bad)
	}
}

func TestComposeUnions(t *testing.T) {
	var s composeService
	require.NoError(t, yaml.Unmarshal([]byte(`
build: ./dir
command: serve --addr 0.0.0.0:1
environment: [A=1, B=x=y, C]
ports: [{target: 80, published: "8080"}]
volumes: [{source: data, target: /data, read_only: true}, /anon]
depends_on: {a: {condition: service_started}, b: {}}
`), &s))
	assert.Equal(t, "./dir", s.Build.Context)
	assert.Equal(t, stringList{"serve", "--addr", "0.0.0.0:1"}, s.Command)
	assert.Equal(t, environment{"A": "1", "B": "x=y", "C": ""}, s.Environment)
	assert.Equal(t, []portMapping{{Published: 8080, Target: 80}}, s.Ports)
	assert.Equal(t, []volumeMount{{Source: "data", Target: "/data", ReadOnly: true}, {Target: "/anon"}}, s.Volumes)
	assert.Equal(t, serviceList{"a", "b"}, s.DependsOn)
}

func FuzzParsePort(f *testing.F) {
	for _, s := range []string{"8080:8080", "4317", "127.0.0.1:16686:80", "[::1]:1:2/udp", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pm, err := parsePort(s)
		if err != nil {
			return
		}
		assert.True(t, pm.Target >= 1 && pm.Target <= 65535, "target %d", pm.Target)
		assert.True(t, pm.Published >= 0 && pm.Published <= 65535, "published %d", pm.Published)
	})
}
