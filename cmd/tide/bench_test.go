package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/tide-project/tide/internal/measure"
	"github.com/tide-project/tide/internal/sqlstore"
)

// TestBenchMeasure runs `tide bench measure` in process on a small registry
// and checks that SQLite, and PostgreSQL when TIDE_TEST_POSTGRES is set, give
// the index's answers.
func TestBenchMeasure(t *testing.T) {
	args := []string{"bench", "measure", "--persons", "20000", "--runs", "1", "--county-runs", "20"}
	pg := os.Getenv(sqlstore.PostgresEnv)
	if pg != "" {
		args = append(args, "--postgres", pg)
	}
	var stdout, stderr bytes.Buffer
	getenv := func(string) string { return "" } // no TIDE_BENCH_POSTGRES from the caller's shell
	if code := run(context.Background(), args, &stdout, &stderr, getenv); code != exitOK {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, &stdout, &stderr)
	}
	out := stdout.String()
	want := []string{`(?m)^SQLite [0-9.]+: answers match the index on [0-9,]+ regions`}
	if pg != "" {
		want = append(want, `(?m)^PostgreSQL [0-9.]+: answers match the index on [0-9,]+ regions`)
	} else {
		want = append(want, `(?m)^PostgreSQL: skipped \(give --postgres URL\)`)
	}
	want = append(want, `(?m)^SQLite [0-9.]+ +20,000 `, `(?m)^in-memory index +20,000 `)
	for _, w := range want {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", w, out)
		}
	}
	if !bytes.Contains(stderr.Bytes(), []byte("100%")) {
		t.Errorf("stderr shows no progress:\n%s", &stderr)
	}
}

// TestBenchMeasureSQLCapped checks that with --sql-persons below --persons
// the SQL side runs on a second, smaller registry and says so.
func TestBenchMeasureSQLCapped(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "measure", "--persons", "40000", "--sql-persons", "15000", "--runs", "1", "--county-runs", "5"}
	if code := run(context.Background(), args, &stdout, &stderr, func(string) string { return "" }); code != exitOK {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, &stdout, &stderr)
	}
	out := stdout.String()
	for _, w := range []string{`(?m)^in-memory index +40,000 `, `(?m)^in-memory index +15,000 `, `(?m)^SQLite [0-9.]+ +15,000 `,
		`second registry of 15,000 persons`, `(?m)^SQLite [0-9.]+: answers match`} {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", w, out)
		}
	}
}

func TestBenchMeasureUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"NoSubcommand":    {"bench"},
		"UnknownBench":    {"bench", "orders"},
		"ZeroPersons":     {"bench", "measure", "--persons", "0"},
		"BadPostgresURL":  {"bench", "measure", "--postgres", "mysql://x"},
		"UnknownCounty":   {"bench", "measure", "--persons", "1000", "--county", "999999"},
		"StrayArgument":   {"bench", "measure", "extra"},
		"NegativeRuns":    {"bench", "measure", "--runs", "-1"},
		"UnknownFlagName": {"bench", "measure", "--people", "5"},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), args, &stdout, &stderr, func(string) string { return "" }); code != exitUsage {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitUsage, &stderr)
			}
		})
	}
}

func TestCompareAnswers(t *testing.T) {
	want := map[string]measure.Result{
		"":     {Persons: 10, Households: 3, PoorPersons: 4, P0: 0.4, P1: 0.1, P2: 0.05},
		"11":   {Persons: 10, Households: 3, PoorPersons: 4, P0: 0.4, P1: 0.1, P2: 0.05},
		"1101": {}, // no households: SQL has no row for it
	}
	clone := func() map[string]measure.Result {
		got := make(map[string]measure.Result)
		for k, v := range want {
			if v.Households > 0 {
				got[k] = v
			}
		}
		return got
	}
	tests := []struct {
		name   string
		change func(got map[string]measure.Result)
		bad    int
	}{
		{"Same", func(map[string]measure.Result) {}, 0},
		{"WithinTolerance", func(g map[string]measure.Result) { r := g["11"]; r.P1 *= 1 + 1e-12; g["11"] = r }, 0},
		{"MeasureOff", func(g map[string]measure.Result) { r := g["11"]; r.P2 *= 1 + 1e-6; g["11"] = r }, 1},
		{"CountOff", func(g map[string]measure.Result) { r := g[""]; r.PoorPersons++; g[""] = r }, 1},
		{"Missing", func(g map[string]measure.Result) { delete(g, "11") }, 1},
		{"Extra", func(g map[string]measure.Result) { g["12"] = measure.Result{Persons: 1} }, 1},
		{"EmptyRegionZeroRow", func(g map[string]measure.Result) { g["1101"] = measure.Result{} }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clone()
			tt.change(got)
			n, bad := compareAnswers(want, got, "")
			if len(bad) != tt.bad {
				t.Errorf("mismatches = %q, want %d", bad, tt.bad)
			}
			if n < 2 {
				t.Errorf("compared %d regions, want at least 2", n)
			}
		})
	}
}
