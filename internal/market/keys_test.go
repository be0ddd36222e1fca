package market

import (
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkKeyTableClaim measures recording a new key, as every keyed order
// does, from many goroutines at once.
func BenchmarkKeyTableClaim(b *testing.B) {
	kt := newKeyTable(time.Minute, 200_000)
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = NewID()
	}
	ps := make([]placement, 1024)
	now := time.Now()
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if kt.claim(idemKey{buyer: i%1000 + 1, key: keys[i]}, &ps[i%1024], now) != nil {
				b.Error("a new key was found")
			}
		}
	})
}

// TestKeyTableHashCollision plants a placement of one key under another key's
// hash: the other key's claim must not be answered with it.
func TestKeyTableHashCollision(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	kt := newKeyTable(time.Minute, 32*4)
	a, b := idemKey{buyer: 1, key: "a"}, idemKey{buyer: 2, key: "a"}
	p := &placement{key: a}
	s, h := kt.shard(b)
	s.cur[h] = p
	if got := kt.claim(b, &placement{}, now); got != nil {
		t.Fatalf("claim of %v = placement of %v, want nil", b, got.key)
	}
	if got := kt.claim(b, &placement{}, now); got != nil {
		t.Fatalf("second claim of %v = placement of %v, want nil", b, got.key)
	}
	kt.forget(b, &placement{})
	if s.cur[h] != p && s.prev[h] != p {
		t.Errorf("forget of %v dropped the placement of %v", b, a)
	}
}
