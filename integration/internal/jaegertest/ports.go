package jaegertest

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// freeEndpoints picks four distinct free ports on 127.0.0.1. Each port is
// found by listening on 127.0.0.1:0; the listeners stay open until all four
// are known (so the ports differ) and are closed before returning, which
// leaves a short window in which another process may take one: Start retries
// with fresh ports when Jaeger reports an address in use.
func freeEndpoints() (endpoints, error) {
	addrs, err := freeAddrs(4)
	if err != nil {
		return endpoints{}, err
	}
	return endpoints{OTLPGRPC: addrs[0], OTLPHTTP: addrs[1], QueryHTTP: addrs[2], QueryGRPC: addrs[3]}, nil
}

// freeAddrs returns n distinct free "127.0.0.1:port" addresses.
func freeAddrs(n int) (addrs []string, err error) {
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			err = errors.Join(err, l.Close())
		}
		if err != nil {
			addrs = nil
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("jaegertest: find a free port: %w", err)
		}
		listeners = append(listeners, l)
		port := l.Addr().(*net.TCPAddr).Port
		addrs = append(addrs, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
	return addrs, nil
}
