package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestBenchMatch runs `tide bench match` on a small assignment and a small
// day: Tide's rows carry a cost, the day is proven optimal, the instance
// files are written, and where /usr/bin/python3 has SciPy its costs agree.
func TestBenchMatch(t *testing.T) {
	dir := t.TempDir()
	args := []string{"bench", "match", "--n", "60", "--requests", "400", "--specialists", "40", "--slots", "4",
		"--specialties", "4", "--seed", "3", "--dir", dir}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr, func(string) string { return "" }); code != exitOK {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, &stdout, &stderr)
	}
	out := stdout.String()
	want := []string{
		`(?m)^assignment 60 × 60 +tide: Jonker-Volgenant \(match.Assign\) +[0-9.]+ [mµ]?s +[0-9.]+ [mµn]?s +[0-9.]+ [mµn]?s +[0-9,]+ +- *$`,
		`(?m)^day 400 × 160 slots +tide: min-cost flow \(match.Solve\) +[0-9.]+ [mµ]?s +[0-9.]+ [mµn]?s +[0-9.]+ [mµn]?s +[0-9,]+ +optimal \(dual certificate\) *$`,
		`(?m)^day: [0-9,]+ requests served, [0-9,]+ unassigned`,
	}
	if scipyPresent() {
		want = append(want,
			`(?m)^assignment 60 × 60 +scipy [0-9.]+ linear_sum_assignment +.* agrees with tide *$`,
			`(?m)^day 400 × 160 slots +scipy [0-9.]+ linear_sum_assignment +.* agrees with tide *$`)
	} else {
		t.Log("SciPy not found at /usr/bin/python3: its rows are only checked to say so")
		want = append(want, `(?m)^assignment 60 × 60 +scipy.* not available`)
	}
	for _, w := range want {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", w, out)
		}
	}
	for _, name := range []string{"assign-60-seed3.txt", "day-400-40-4-seed3.txt"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("instance file %s: %v", name, err)
		}
	}
}

// TestBenchMatchFlags refuses bad flags before any work is done.
func TestBenchMatchFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--n", "-1"},
		{"--span", "0"},
		{"--specialists", "0"},
		{"--requests", "10", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"bench", "match"}, args...), &stdout, &stderr, func(string) string { return "" })
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d\nstderr:\n%s", args, code, exitUsage, &stderr)
		}
	}
}

// scipyPresent reports whether /usr/bin/python3 can import SciPy.
func scipyPresent() bool {
	return exec.Command("/usr/bin/python3", "-c", "import scipy.optimize").Run() == nil
}
