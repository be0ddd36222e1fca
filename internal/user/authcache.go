package user

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

// AuthTTL is how long a secret, once resolved, is answered from memory.
// Logout and password changes on this server take effect at once; a token
// deleted by another server or straight in the database works here for at
// most this long.
const AuthTTL = 10 * time.Second

// authShards spreads the cache over locks, so requests on many cores do not
// queue on one.
const authShards = 16

// authCache maps secrets to the actors they resolved to.
type authCache struct {
	seed   maphash.Seed
	shards [authShards]authShard
}

type authShard struct {
	mu sync.RWMutex
	m  map[string]authEntry
}

type authEntry struct {
	actor tide.Actor
	until time.Time
}

func newAuthCache() *authCache {
	c := &authCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = map[string]authEntry{}
	}
	return c
}

func (c *authCache) shard(secret string) *authShard {
	return &c.shards[maphash.String(c.seed, secret)%authShards]
}

func (c *authCache) get(secret string, now time.Time) (tide.Actor, bool) {
	sh := c.shard(secret)
	sh.mu.RLock()
	e, ok := sh.m[secret]
	sh.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return tide.Actor{}, false
	}
	return e.actor, true
}

func (c *authCache) put(secret string, a tide.Actor, until time.Time, now time.Time) {
	sh := c.shard(secret)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if len(sh.m) >= 4096 { // sweep, so secrets never seen again do not pile up
		for k, e := range sh.m {
			if !now.Before(e.until) {
				delete(sh.m, k)
			}
		}
	}
	sh.m[secret] = authEntry{actor: a, until: until}
}

func (c *authCache) drop(secret string) {
	sh := c.shard(secret)
	sh.mu.Lock()
	delete(sh.m, secret)
	sh.mu.Unlock()
}

// dropUser forgets every secret of a user.
func (c *authCache) dropUser(id int64) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if e.actor.UserID == id {
				delete(sh.m, k)
			}
		}
		sh.mu.Unlock()
	}
}

// AuthenticateActor returns the actor a secret belongs to, or EUNAUTHORIZED.
// A secret resolved in the last AuthTTL is answered from memory, without
// reading the database: the hot paths (buying in a live room) call it on
// every request.
func (s *Service) AuthenticateActor(ctx context.Context, secret string) (*tide.Actor, error) {
	now := s.now()
	if a, ok := s.auth.get(secret, now); ok {
		return &a, nil
	}
	u, t, err := s.authenticate(ctx, secret)
	if err != nil {
		return nil, err
	}
	a := u.Actor()
	until := now.Add(AuthTTL)
	if !t.ExpiresAt.IsZero() && t.ExpiresAt.Before(until) {
		until = t.ExpiresAt
	}
	s.auth.put(secret, *a, until, now)
	return a, nil
}
