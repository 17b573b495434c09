package otelsetup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/hivesink"
	"github.com/hivetrace/hivetrace/exporter/otlpsink"
	"github.com/hivetrace/hivetrace/exporter/spool"
	"github.com/hivetrace/hivetrace/hive"
)

// Environment variables Setup reads itself; autoexport and the OTLP
// exporters read the rest (endpoints, headers, timeouts).
const (
	envTracesExporter      = "OTEL_TRACES_EXPORTER"
	envMetricsExporter     = "OTEL_METRICS_EXPORTER"
	envOTLPProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envOTLPTracesProtocol  = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envOTLPMetricsProtocol = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
	envMetricsProducers    = "OTEL_METRICS_PRODUCERS"
	otlpExporterName       = "otlp"
	unknownServicePrefix   = "unknown_service:"
	setupErrPrefix         = "otelsetup"
)

// Setup builds a TracerProvider and a MeterProvider from the standard OTEL_*
// environment and the options, installs them and the W3C tracecontext and
// baggage propagators as the OTel globals, and returns a shutdown function
// that flushes and shuts everything down, honouring its ctx and joining the
// errors.
//
// What it builds:
//   - the resource: service.name from OTEL_SERVICE_NAME, else from
//     OTEL_RESOURCE_ATTRIBUTES, else WithServiceName, else
//     "unknown_service:<executable>"; the other OTEL_RESOURCE_ATTRIBUTES and
//     the SDK's telemetry.sdk.* attributes. WithResource replaces it all.
//   - the span exporter, behind a BatchSpanProcessor, chosen by contrib
//     autoexport from OTEL_TRACES_EXPORTER (otlp, console, none) and
//     OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, except that OTLP speaks gRPC when
//     no protocol variable is set (autoexport alone would pick HTTP).
//     WithSpanExporter replaces it.
//   - the metric reader, chosen by autoexport.NewMetricReader from
//     OTEL_METRICS_EXPORTER and friends, again OTLP gRPC when no protocol
//     variable (and no OTEL_METRICS_PRODUCERS, which only autoexport's own
//     reader honours) is set. WithMetricReader replaces it.
//   - the sampler from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG
//     (default parentbased_always_on), or WithSampler, wrapped with
//     exporter.RecordHiveSpans so every record is rebuilt whatever the ratio.
//   - the processor that delivers runs to Hive, by transport (WithTransport,
//     else the one WithSink or WithSpanSink implies, else HIVE_TRANSPORT,
//     else TransportLogIngest): the record processor
//     (exporter.NewRecordProcessor) delivering records to the sink from
//     WithSink or, without one, to a Hive sink built from the HIVE_*
//     environment when HIVE_API_KEY is set; or, with TransportOTLP, the
//     run-span processor (exporter.NewRunSpanProcessor) delivering the spans
//     of every run to the sink from WithSpanSink or, without one, to Hive's
//     OTLP endpoint (otlpsink.NewHive, the same HIVE_* settings) when
//     HIVE_API_KEY is set. The Hive sink's project is the one
//     HIVE_PROJECT_UUID, HIVE_PROJECT_NAME or forge.json names, else the
//     project named after the service, which the server registers
//     (HIVE_HOST, HIVE_API_KEY and HIVE_API_SECRET are enough). Either is on
//     the new MeterProvider, then configured by WithRecordProcessorOptions.
//     Without a sink there is no such processor. An unknown HIVE_TRANSPORT is
//     reported through otel.Handle and means TransportLogIngest; an unknown
//     WithTransport, or options naming two transports, are an error wrapping
//     ErrInvalidSetting.
//
// The delivery of runs, by either transport, reads HIVE_QUEUE_BYTES,
// HIVE_SENDERS, HIVE_BATCH_RECORDS, HIVE_BATCH_BYTES, HIVE_SPOOL_DIR (a
// durable spool, off when unset; one spool serves both transports across
// restarts, see exporter.NewRunSpanProcessor), HIVE_SPOOL_BYTES and
// HIVE_SHUTDOWN_TIMEOUT (see the Env… constants); options given with
// WithRecordProcessorOptions win over them. An unreadable value is an error
// wrapping ErrInvalidSetting.
//
// The shutdown function returns by the time its ctx is done or, for a ctx
// without deadline, after HIVE_SHUTDOWN_TIMEOUT (default 10 s), even with
// Hive and the collector unreachable. Its error says how many records were
// not delivered and how many stay spooled for the next start
// (*exporter.ShutdownError).
//
// No collector needs to be running: exporters connect lazily and export in
// the background, so tasks are never slowed or failed by an unreachable
// collector; shutdown then returns when its ctx is done.
//
// An invalid environment value (an unknown exporter or protocol, an
// unsupported sampler: see ErrInvalidSampler) is returned as an error, and
// nothing is installed.
func Setup(ctx context.Context, opts ...Option) (shutdown func(context.Context) error, err error) {
	cfg := newConfig(opts)

	var cleanup []func(context.Context) error
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				_ = cleanup[i](ctx)
			}
		}
	}()

	res, err := newResource(ctx, cfg)
	if err != nil {
		return nil, err
	}
	dlv, err := deliveryFromEnv()
	if err != nil {
		return nil, err
	}
	transport, err := cfg.transport()
	if err != nil {
		return nil, err
	}
	sampler := cfg.sampler
	if sampler == nil {
		if sampler, err = samplerFromEnv(); err != nil {
			return nil, err
		}
	}

	spanExp := cfg.spanExporter
	if spanExp == nil {
		if spanExp, err = newSpanExporter(ctx); err != nil {
			return nil, fmt.Errorf("%s: span exporter: %w", setupErrPrefix, err)
		}
	}
	cleanup = append(cleanup, spanExp.Shutdown)

	reader := cfg.metricReader
	if reader == nil {
		if reader, err = newMetricReader(ctx); err != nil {
			return nil, fmt.Errorf("%s: metric reader: %w", setupErrPrefix, err)
		}
	}
	cleanup = append(cleanup, reader.Shutdown)

	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(reader))
	cleanup = append(cleanup, mp.Shutdown)

	newProcessor, err := runDelivery(cfg, transport, mp, dlv, serviceName(res))
	if err != nil {
		return nil, err
	}
	var sp *spool.Spool
	if newProcessor != nil {
		if sp, err = dlv.openSpool(ctx); err != nil {
			return nil, err
		}
		if sp != nil {
			cleanup = append(cleanup, func(context.Context) error { return sp.Close() })
		}
	}
	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(exporter.RecordHiveSpans(sampler)),
	}
	// The record processor comes first: the provider shuts its processors
	// down in order and gives up when ctx is done, so an unreachable
	// collector holding up the BatchSpanProcessor cannot cost records.
	var procs []sdktrace.SpanProcessor
	if newProcessor != nil {
		procOpts := append([]exporter.Option{exporter.WithMeterProvider(mp)}, dlv.processorOptions()...)
		if sp != nil {
			procOpts = append(procOpts, exporter.WithSpool(sp))
		}
		procOpts = append(procOpts, cfg.processor...)
		procs = append(procs, newProcessor(procOpts...))
	}
	if !autoexport.IsNoneSpanExporter(spanExp) {
		procs = append(procs, sdktrace.NewBatchSpanProcessor(spanExp))
	}
	for _, sp := range procs {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
	}
	tp := sdktrace.NewTracerProvider(tpOpts...)

	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, propagation.Baggage{}))

	return func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, dlv.shutdownBound())
			defer cancel()
		}
		return shutdownAll(ctx, tp, procs, spanExp, mp, sp)
	}, nil
}

// shutdownAll shuts the pipeline down within ctx: the span processors
// together (the record processor delivering records while the batch span
// processor exports spans, neither waiting for the other), then the provider
// and, when ctx ran out, the span exporter again so an export still retrying
// against an unreachable collector is abandoned; then the meter provider and
// the spool. It joins every error, the record processor's count of records
// lost or left spooled among them.
func shutdownAll(ctx context.Context, tp *sdktrace.TracerProvider, procs []sdktrace.SpanProcessor,
	spanExp sdktrace.SpanExporter, mp *sdkmetric.MeterProvider, sp *spool.Spool) error {
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Shutdown(ctx)
		}()
	}
	wg.Wait()
	errs = append(errs, tp.Shutdown(ctx)) // the processors are shut: this only marks the provider
	if ctx.Err() != nil {
		_ = spanExp.Shutdown(ctx)
	}
	errs = append(errs, mp.Shutdown(ctx))
	if sp != nil {
		errs = append(errs, sp.Close())
	}
	return errors.Join(errs...)
}

// runDelivery returns what makes the processor that delivers runs to Hive
// by transport: a record processor delivering to WithSink's sink or the
// Hive sink of the environment, or a run-span processor delivering to
// WithSpanSink's sink or the Hive OTLP sink of the environment; nil when
// there is no sink. service is the resource's service name, the project
// name of the environment's Hive client when the environment names none.
func runDelivery(cfg config, transport string, mp metric.MeterProvider, dlv delivery, service string) (func(...exporter.Option) sdktrace.SpanProcessor, error) {
	if transport == TransportOTLP {
		sink := cfg.spanSink
		if sink == nil {
			var err error
			if sink, err = defaultSpanSink(service); err != nil {
				return nil, fmt.Errorf("%s: span sink: %w", setupErrPrefix, err)
			}
		}
		if sink == nil {
			return nil, nil
		}
		return func(opts ...exporter.Option) sdktrace.SpanProcessor {
			return exporter.NewRunSpanProcessor(sink, opts...)
		}, nil
	}
	sink := cfg.sink
	if sink == nil {
		var err error
		if sink, err = defaultSink(mp, service, dlv.sinkOptions()); err != nil {
			return nil, fmt.Errorf("%s: sink: %w", setupErrPrefix, err)
		}
	}
	if sink == nil {
		return nil, nil
	}
	return func(opts ...exporter.Option) sdktrace.SpanProcessor {
		return exporter.NewRecordProcessor(sink, opts...)
	}, nil
}

// defaultSink returns the sink Setup uses when WithSink is not given: when
// HIVE_API_KEY is set, a hivesink.Sink sending through a hive.LogClient
// configured by the HIVE_* environment alone (see package hive), its
// counters on mp; the record processor is its only queue. Without
// HIVE_API_KEY there is no sink (see hiveFromEnv, which names the project
// after service when the environment names none).
func defaultSink(mp metric.MeterProvider, service string, opts []hivesink.Option) (exporter.Sink, error) {
	client, err := hiveFromEnv(service)
	if client == nil || err != nil {
		return nil, err
	}
	return hivesink.New(client, append([]hivesink.Option{hivesink.WithMeterProvider(mp)}, opts...)...), nil
}

// defaultSpanSink returns the span sink Setup uses with TransportOTLP when
// WithSpanSink is not given: when HIVE_API_KEY is set, an otlpsink.Sink
// configured by the HIVE_* environment alone, exactly as the Hive client is
// (otlpsink.NewHive). Without HIVE_API_KEY there is none (see hiveFromEnv).
func defaultSpanSink(service string) (exporter.SpanSink, error) {
	client, err := hiveFromEnv(service)
	if client == nil || err != nil {
		return nil, err
	}
	return otlpsink.NewHive(hive.Config{})
}

// hiveFromEnv returns the Hive client the HIVE_* environment describes, or
// nil when it says not to deliver: without HIVE_API_KEY, Setup installs no
// processor delivering runs; with the key but without a secret the client
// would be silent, so Setup warns (otel.Handle) and installs none either.
//
// The project is the one HIVE_PROJECT_UUID, HIVE_PROJECT_NAME or forge.json
// names; when they name none, the client names it after service (the
// resource's service name) and sends records by project name, which the
// server registers under a uuid derived from the name (as hive serve does).
// A client with no project at all is returned with a warning.
func hiveFromEnv(service string) (*hive.LogClient, error) {
	if os.Getenv(hive.EnvAPIKey) == "" {
		return nil, nil
	}
	client, err := hive.NewLogClient(hive.Config{})
	if err != nil {
		return nil, fmt.Errorf("hive client from the environment: %w", err)
	}
	if client.IsSilent() {
		otel.Handle(errors.New("otelsetup: " + hive.EnvAPIKey + " is set but " + hive.EnvAPISecret + " is not; records are not sent to Hive"))
		return nil, nil
	}
	if conf := client.Conf(); conf.ProjectUUID == "" && conf.ProjectName == "" && service != "" {
		if client, err = hive.NewLogClient(hive.Config{ProjectName: service}); err != nil {
			return nil, fmt.Errorf("hive client from the environment: %w", err)
		}
	}
	if conf := client.Conf(); conf.ProjectUUID == "" && conf.ProjectName == "" {
		otel.Handle(errors.New("otelsetup: no Hive project (" + hive.EnvProjectUUID + ", " + hive.EnvProjectName +
			", forge.json or a service name); Hive will refuse the records"))
	}
	return client, nil
}

// serviceName returns the service.name of res, or "" when it has none.
func serviceName(res *resource.Resource) string {
	v, _ := res.Set().Value(semconv.ServiceNameKey)
	return v.AsString()
}

// newResource builds the resource: the service name option as a default,
// then the SDK attributes, then the environment, which wins.
func newResource(ctx context.Context, cfg config) (*resource.Resource, error) {
	if cfg.resource != nil {
		return cfg.resource, nil
	}
	name := cfg.serviceName
	if name == "" {
		exe, err := os.Executable()
		if err != nil {
			exe = os.Args[0]
		}
		name = unknownServicePrefix + filepath.Base(exe)
	}
	res, err := resource.New(ctx,
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithAttributes(semconv.ServiceName(name)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
	if err != nil {
		if res == nil || !errors.Is(err, resource.ErrPartialResource) {
			return nil, fmt.Errorf("%s: resource: %w", setupErrPrefix, err)
		}
		otel.Handle(fmt.Errorf("%s: resource: %w", setupErrPrefix, err))
	}
	return res, nil
}

// otlpGRPCByDefault reports whether the exporter variable selects OTLP (or is
// unset, which means OTLP) and no protocol variable says which OTLP: then
// Setup picks gRPC, where autoexport would pick HTTP.
func otlpGRPCByDefault(exporterVar, signalProtocolVar string) bool {
	if v := os.Getenv(exporterVar); v != "" && v != otlpExporterName {
		return false
	}
	return os.Getenv(signalProtocolVar) == "" && os.Getenv(envOTLPProtocol) == ""
}

func newSpanExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	if otlpGRPCByDefault(envTracesExporter, envOTLPTracesProtocol) {
		return otlptracegrpc.New(ctx)
	}
	return autoexport.NewSpanExporter(ctx)
}

func newMetricReader(ctx context.Context) (sdkmetric.Reader, error) {
	if otlpGRPCByDefault(envMetricsExporter, envOTLPMetricsProtocol) && os.Getenv(envMetricsProducers) == "" {
		e, err := otlpmetricgrpc.New(ctx)
		if err != nil {
			return nil, err
		}
		return sdkmetric.NewPeriodicReader(e), nil
	}
	return autoexport.NewMetricReader(ctx)
}
