package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// rateLimit is a token bucket per client: rate requests a second on average,
// burst at once.
type rateLimit struct {
	rate, burst float64

	mu      sync.Mutex
	buckets map[string]bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the clients remembered; past it, the map starts over,
// which at worst lets a client a fresh burst.
const maxBuckets = 100_000

func newRateLimit(rate, burst float64) *rateLimit {
	return &rateLimit{rate: rate, burst: burst, buckets: map[string]bucket{}}
}

// allow takes a token from the client's bucket, if it has one.
func (l *rateLimit) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			clear(l.buckets)
		}
		b = bucket{tokens: l.burst, at: now}
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	ok = b.tokens >= 1
	if ok {
		b.tokens--
	}
	l.buckets[client] = b
	return ok
}

// clientAddr is the client's IP: the first X-Forwarded-For address behind a
// trusted proxy, else the connection's.
func (s *Server) clientAddr(r *http.Request) string {
	if s.TrustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			first, _, _ := strings.Cut(f, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
