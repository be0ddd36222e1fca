package market

import (
	"hash/maphash"
	"sync"
	"time"
)

// idemKey is a buyer's idempotency key; keys of different buyers never meet.
type idemKey struct {
	buyer int64
	key   string
}

// keyTable remembers recent idempotency keys and the placement each one
// started, so a retry arriving while the first request is in flight, or soon
// after, is answered from memory without a second admission. It forgets a key
// after one to two TTLs, sooner when more than the cap of keys arrive in one
// TTL, so its memory is bounded under any load; the store's unique (key,
// buyer) constraint answers retries after that, and after a restart.
type keyTable struct {
	ttl    time.Duration
	cap    int // per shard and generation
	seed   maphash.Seed
	shards [32]keyShard
}

// keyShard holds two generations; when cur is older than the TTL, or full, it
// becomes prev and the old prev is dropped whole, so expiry costs nothing per
// key.
type keyShard struct {
	mu      sync.Mutex
	cur     map[idemKey]*placement
	prev    map[idemKey]*placement
	started time.Time
}

func newKeyTable(ttl time.Duration, capacity int) *keyTable {
	t := &keyTable{ttl: ttl, cap: max(capacity/32, 1), seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].cur = map[idemKey]*placement{}
	}
	return t
}

func (t *keyTable) shard(k idemKey) *keyShard {
	var h maphash.Hash
	h.SetSeed(t.seed)
	var b [8]byte
	for i := range b {
		b[i] = byte(k.buyer >> (8 * i))
	}
	h.Write(b[:])
	h.WriteString(k.key)
	return &t.shards[h.Sum64()%uint64(len(t.shards))]
}

// claim records p under k and returns nil, or returns the placement already
// recorded under k and leaves the table as it was.
func (t *keyTable) claim(k idemKey, p *placement, now time.Time) *placement {
	s := t.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.started) > t.ttl || len(s.cur) >= t.cap {
		s.prev, s.cur, s.started = s.cur, make(map[idemKey]*placement, len(s.cur)), now
	}
	if q, ok := s.cur[k]; ok {
		return q
	}
	if q, ok := s.prev[k]; ok {
		return q
	}
	s.cur[k] = p
	return nil
}

// forget drops k if it still records p; a failed placement is forgotten so
// that a retry tries afresh.
func (t *keyTable) forget(k idemKey, p *placement) {
	s := t.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur[k] == p {
		delete(s.cur, k)
	}
	if s.prev[k] == p {
		delete(s.prev, k)
	}
}
