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
