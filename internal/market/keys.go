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
//
// Keys are held by a 64-bit hash, which picks the shard too, so a claim hashes
// the key's text once and the maps hold no pointers in their keys. A placement
// found under a hash is the key's only if it was recorded under the same key;
// a key whose hash another key holds is not recorded, and its retries are
// answered through the store, as after a restart.
type keyTable struct {
	ttl    time.Duration
	cap    int // per shard and generation
	seed   maphash.Seed
	shards [keyShards]keyShard
}

const keyShards = 32

// keyShard holds two generations; when cur is older than the TTL, or full, it
// becomes prev and the old prev is dropped whole, so expiry costs nothing per
// key. It fills a cache line of its own, so shards locked at once by
// different cores do not share one.
type keyShard struct {
	mu      sync.Mutex
	cur     map[uint64]*placement
	prev    map[uint64]*placement
	started time.Time
	_       [16]byte
}

func newKeyTable(ttl time.Duration, capacity int) *keyTable {
	t := &keyTable{ttl: ttl, cap: max(capacity/keyShards, 1), seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].cur = map[uint64]*placement{}
	}
	return t
}

// shard returns k's shard and hash.
func (t *keyTable) shard(k idemKey) (*keyShard, uint64) {
	h := maphash.String(t.seed, k.key) ^ uint64(k.buyer)*0x9e3779b97f4a7c15
	h ^= h >> 29
	return &t.shards[h%keyShards], h
}

// claim records p under k and returns nil, or returns the placement already
// recorded under k and leaves the table as it was.
func (t *keyTable) claim(k idemKey, p *placement, now time.Time) *placement {
	s, h := t.shard(k)
	p.key = k
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.started) > t.ttl || len(s.cur) >= t.cap {
		s.prev, s.cur, s.started = s.cur, make(map[uint64]*placement, len(s.cur)), now
	}
	q, ok := s.cur[h]
	if !ok {
		q, ok = s.prev[h]
	}
	switch {
	case !ok:
		s.cur[h] = p
		return nil
	case q.key != k:
		return nil
	}
	return q
}

// forget drops k if it still records p; a failed placement is forgotten so
// that a retry tries afresh.
func (t *keyTable) forget(k idemKey, p *placement) {
	s, h := t.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur[h] == p {
		delete(s.cur, h)
	}
	if s.prev[h] == p {
		delete(s.prev, h)
	}
}
