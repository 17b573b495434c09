package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // OTLP/gRPC clients may compress with gzip
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
)

// ServeOTLPGRPC serves OTLP/gRPC, the TraceService/Export method of
// opentelemetry.proto.collector.trace.v1, on ln until ctx is done, then
// stops gracefully: it stops accepting connections and waits for the calls
// in flight, at most the shutdown timeout (WithShutdownTimeout), before
// closing the connections. It returns nil after a stop caused by ctx, and
// the error otherwise. ln is closed when it returns.
//
// Spans are taken as on POST /v1/traces. Calls carry the credentials of the
// HTTP API as the metadata "authorization: Bearer <apiKey>:<apiSecret>",
// checked and throttled with the HTTP API's (a refusal is Unauthenticated,
// or ResourceExhausted with a RetryInfo while blocked). Messages are
// bounded by the body limit (WithMaxBodyBytes), after decompression, and
// the calls in flight by the body budget (WithBodyBudget): a call the
// budget cannot cover, or whose spans the store fails to take, is answered
// Unavailable with a RetryInfo.
//
// Run it next to Serve, with the same ctx, to serve both protocols. Like
// Serve, it runs the sweeper of staged spans (see Sweep) while it serves,
// unless the other already does.
func (s *Server) ServeOTLPGRPC(ctx context.Context, ln net.Listener) error {
	gs := s.newGRPCServer()
	errc := make(chan error, 1)
	go func() { errc <- gs.Serve(ln) }()
	defer s.startSweeper(ctx)()

	select {
	case err := <-errc:
		return fmt.Errorf("hive server: serve OTLP/gRPC: %w", err)
	case <-ctx.Done():
	}
	stopped := make(chan struct{})
	go func() {
		gs.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(s.cfg.shutdownTimeout)
	defer timer.Stop()
	var err error
	select {
	case <-stopped:
	case <-timer.C:
		s.cfg.logger.Warn("hive server: graceful OTLP/gRPC stop incomplete; closing connections")
		gs.Stop()
		<-stopped
		err = errors.New("hive server: OTLP/gRPC shutdown: calls still running at the shutdown timeout")
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, grpc.ErrServerStopped) {
		return fmt.Errorf("hive server: serve OTLP/gRPC: %w", serr)
	}
	return err
}

// newGRPCServer returns the gRPC server of ServeOTLPGRPC.
func (s *Server) newGRPCServer() *grpc.Server {
	gs := grpc.NewServer(
		grpc.MaxRecvMsgSize(int(min(s.cfg.maxBodyBytes, int64(^uint32(0)>>1)))),
		grpc.UnaryInterceptor(s.authorizeGRPC),
	)
	coltracepb.RegisterTraceServiceServer(gs, &traceService{s: s})
	return gs
}

// authorizeGRPC checks a call's credentials with the HTTP API's (checkAuth)
// before the call runs.
func (s *Server) authorizeGRPC(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	var header string
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("authorization"); len(v) > 0 {
			header = v[0]
		}
	}
	if ref := s.checkAuth(ctx, header, peerIP(ctx)); ref != nil {
		f := failuref(ref.status, ref.reason)
		f.retryAfter = ref.retryAfter
		return nil, f.grpcStatus()
	}
	return handler(ctx, req)
}

// peerIP returns the IP of the connection a call came on, as remoteIP does
// for an HTTP request.
func peerIP(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	addr := p.Addr.String()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().String()
	}
	return host
}

// grpcStatus returns the failure as a gRPC status error, with the details
// of its google.rpc.Status.
func (f *otlpFailure) grpcStatus() error {
	return status.FromProto(f.statusProto()).Err()
}

// traceService implements the OTLP/gRPC TraceService.
type traceService struct {
	coltracepb.UnimplementedTraceServiceServer
	s *Server
}

// Export takes an export as POST /v1/traces does.
func (t *traceService) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	s := t.s
	if n := int64(proto.Size(req)); n > 0 {
		got, ok := s.cfg.bodies.reserve(n)
		if !ok {
			return nil, s.budgetFailure().grpcStatus()
		}
		defer s.cfg.bodies.release(got)
	}
	resp, err := s.acceptExport(ctx, exportOf(req))
	if err != nil {
		return nil, s.storeFailure(ctx, err).grpcStatus()
	}
	return resp, nil
}
