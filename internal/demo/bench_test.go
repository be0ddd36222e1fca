package demo_test

import (
	"testing"

	"github.com/tide-project/tide/internal/demo"
	"github.com/tide-project/tide/internal/sqlstore"
)

// BenchmarkGenerate generates the default demo province on SQLite: what
// tide serve --demo does before it serves.
func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		w := newWiring(b, sqlstore.OpenTest(b, sqlstore.SQLite))
		b.StartTimer()
		p := generate(b, w, demo.DefaultShape, 1)
		b.ReportMetric(float64(p.Households), "households")
	}
}
