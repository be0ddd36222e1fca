package measure

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// benchPersons is the synthetic population of the benchmarks: 1 million by
// default, or TIDE_BENCH_PERSONS (100000000 for the national target).
func benchPersons(tb testing.TB) int64 {
	tb.Helper()
	s := os.Getenv("TIDE_BENCH_PERSONS")
	if s == "" {
		return 1_000_000
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		tb.Fatalf("TIDE_BENCH_PERSONS=%q: want a positive integer", s)
	}
	return n
}

var bench struct {
	once    sync.Once
	regions []Region
	ix      *Index
	heap    uint64
	build   time.Duration
}

// benchIndex builds the synthetic index once per test binary and records the
// time it took and the heap it holds after a garbage collection. Benchmarks
// report both, deferred, since b.Loop resets metrics reported before it.
func benchIndex(b *testing.B) *Index {
	b.Helper()
	persons := benchPersons(b)
	bench.once.Do(func() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		bench.regions, bench.ix = Synthetic(persons, 1, nil)
		bench.build = time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		bench.heap = after.HeapAlloc - before.HeapAlloc
	})
	return bench.ix
}

func reportIndex(b *testing.B) {
	b.ReportMetric(float64(bench.heap)/(1<<20), "index-MiB")
	b.ReportMetric(bench.build.Seconds(), "build-s")
}

// BenchmarkMeasureAll times P0, P1, P2 and the MPI of every region at every
// level in one pass.
func BenchmarkMeasureAll(b *testing.B) {
	ix := benchIndex(b)
	defer reportIndex(b)
	p := SyntheticParams()
	for b.Loop() {
		if _, err := ix.MeasureAll(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMeasureAllResults also derives every region's Result, as a caller
// publishing all of them would.
func BenchmarkMeasureAllResults(b *testing.B) {
	ix := benchIndex(b)
	defer reportIndex(b)
	p := SyntheticParams()
	for b.Loop() {
		all, err := ix.MeasureAll(p)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		all.Each(func(Result) bool { n++; return true })
	}
}

// BenchmarkMeasureCounty times one county's measures with its townships.
func BenchmarkMeasureCounty(b *testing.B) {
	ix := benchIndex(b)
	defer reportIndex(b)
	p := SyntheticParams()
	county := ""
	for _, r := range bench.regions {
		if len(r.Code) == 6 {
			county = r.Code
			break
		}
	}
	for b.Loop() {
		if _, err := ix.Measure(county, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMeasureRoot times the whole index as one region with its
// provinces.
func BenchmarkMeasureRoot(b *testing.B) {
	ix := benchIndex(b)
	defer reportIndex(b)
	p := SyntheticParams()
	for b.Loop() {
		if _, err := ix.Measure("", p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpsert times moving a household to another village.
func BenchmarkUpsert(b *testing.B) {
	ix := benchIndex(b)
	defer reportIndex(b)
	h, _ := ix.Get(1)
	villages := []string{h.Region, ""}
	for _, r := range bench.regions {
		if len(r.Code) == 12 && r.Code != h.Region {
			villages[1] = r.Code
			break
		}
	}
	i := 0
	for b.Loop() {
		h.Region = villages[i%2]
		i++
		if err := ix.Upsert(h); err != nil {
			b.Fatal(err)
		}
	}
}
