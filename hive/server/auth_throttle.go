package server

import (
	"crypto/sha256"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/hivetrace/hivetrace/internal/secret"
)

// Defaults of the throttling of failed authentication attempts
// (WithAuthThrottle).
const (
	// DefaultAuthMaxFailures is the number of failed attempts, within
	// DefaultAuthWindow, that blocks a remote address or an API key.
	DefaultAuthMaxFailures = 20
	// DefaultAuthWindow is the period failed attempts are counted over.
	DefaultAuthWindow = 10 * time.Second
	// DefaultAuthBlock is how long a blocked address or key is refused.
	DefaultAuthBlock = 30 * time.Second
	// AuthThrottleEntries bounds each of the two tables of failure counts,
	// one of remote addresses and one of API keys.
	AuthThrottleEntries = 10_000
)

// authThrottleSettings configures the throttle; zero fields mean the
// defaults.
type authThrottleSettings struct {
	off         bool
	maxFailures int
	window      time.Duration
	block       time.Duration
	capacity    int
}

// WithAuthThrottle sets when failed authentication attempts are throttled:
// once failures attempts have failed within window from one remote address,
// or naming one API key, every further request from that address, or naming
// that key, is answered 429 with a Retry-After header (in seconds, rounded
// up) for the period block, without the secret being compared. A correct
// credential is refused too while its address or key is blocked; a client
// presenting another key from another address is not slowed, and a success
// resets no count. Values <= 0 keep the defaults (DefaultAuthMaxFailures,
// DefaultAuthWindow, DefaultAuthBlock), which apply without this option.
//
// The remote address is the IP of the connection (the host of
// http.Request.RemoteAddr); headers such as X-Forwarded-For are not
// trusted, so behind a reverse proxy every client shares the proxy's
// address. At most AuthThrottleEntries addresses and as many keys are
// tracked: expired entries are dropped, and when a table is full the entry
// that failed least recently makes room.
func WithAuthThrottle(failures int, window, block time.Duration) Option {
	return optionFunc(func(c *config) {
		t := &c.authThrottle
		t.off = false
		if failures > 0 {
			t.maxFailures = failures
		}
		if window > 0 {
			t.window = window
		}
		if block > 0 {
			t.block = block
		}
	})
}

// WithoutAuthThrottle turns the throttling of failed authentication attempts
// off: every attempt is checked, however many failed before.
func WithoutAuthThrottle() Option {
	return optionFunc(func(c *config) { c.authThrottle.off = true })
}

// authThrottle counts failed authentication attempts per remote address and
// per API key named, and refuses an address or a key for a while once it has
// failed too often. It is safe for concurrent use; a nil *authThrottle
// throttles nothing.
type authThrottle struct {
	limits throttleLimits
	now    func() time.Time

	mu    sync.Mutex
	addrs *throttleTable[string]
	keys  *throttleTable[[sha256.Size]byte]
}

// newAuthThrottle returns the throttle the settings describe, or nil when
// they turn it off.
func newAuthThrottle(s authThrottleSettings, now func() time.Time) *authThrottle {
	if s.off {
		return nil
	}
	limits := throttleLimits{maxFailures: s.maxFailures, window: s.window, block: s.block}
	if limits.maxFailures <= 0 {
		limits.maxFailures = DefaultAuthMaxFailures
	}
	if limits.window <= 0 {
		limits.window = DefaultAuthWindow
	}
	if limits.block <= 0 {
		limits.block = DefaultAuthBlock
	}
	capacity := s.capacity
	if capacity <= 0 {
		capacity = AuthThrottleEntries
	}
	return &authThrottle{
		limits: limits,
		now:    now,
		addrs:  newThrottleTable[string](limits, capacity),
		keys:   newThrottleTable[[sha256.Size]byte](limits, capacity),
	}
}

// authAttempt is one request's attempt to authenticate.
type authAttempt struct {
	addr string // remote IP
	// counted is true when the request presented credentials: a request
	// without an Authorization header is refused but not counted.
	counted bool
	key     string // the API key named; empty when none
}

// authVerdict is the outcome of an attempt.
type authVerdict struct {
	ok bool
	// retryAfter is how long the address or key is still blocked; zero
	// when the attempt was checked.
	retryAfter time.Duration
	// blockedBy names what is blocked: "address" or "key".
	blockedBy string
	// blocks are the blocks this failure started, to be logged once.
	blocks []authBlock
}

// authBlock is a block an attempt started.
type authBlock struct {
	attr     slog.Attr // what is blocked: remoteAddr or apiKey (masked)
	failures int
}

// try checks the attempt with valid unless its address or key is blocked,
// and counts a failure against both. The check runs under the throttle's
// lock, so no more attempts than the limit are ever checked in a window.
func (t *authThrottle) try(a authAttempt, valid func() bool) authVerdict {
	if t == nil {
		return authVerdict{ok: valid()}
	}
	var keyID [sha256.Size]byte
	if a.key != "" {
		keyID = sha256.Sum256([]byte(a.key))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if wait := t.addrs.blockedFor(a.addr, now); wait > 0 {
		return authVerdict{retryAfter: wait, blockedBy: "address"}
	}
	if a.key != "" {
		if wait := t.keys.blockedFor(keyID, now); wait > 0 {
			return authVerdict{retryAfter: wait, blockedBy: "key"}
		}
	}
	if valid() {
		return authVerdict{ok: true}
	}
	var v authVerdict
	if !a.counted {
		return v
	}
	if n, blocked := t.addrs.fail(a.addr, now); blocked {
		v.blocks = append(v.blocks, authBlock{attr: slog.String("remoteAddr", a.addr), failures: n})
	}
	if a.key != "" {
		if n, blocked := t.keys.fail(keyID, now); blocked {
			v.blocks = append(v.blocks, authBlock{attr: slog.String("apiKey", secret.MaskKey(a.key)), failures: n})
		}
	}
	return v
}

// remoteIP returns the IP of the connection r came on: the host of
// r.RemoteAddr, an IPv4-mapped IPv6 address as IPv4. Forwarding headers
// are ignored on purpose: a client sets them as it likes.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().String()
	}
	return host
}
