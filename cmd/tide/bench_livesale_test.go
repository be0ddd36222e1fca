package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/tide-project/tide/internal/sqlstore"
)

// TestBenchLivesale runs `tide bench livesale` in process with a few buyers
// on a small stock, which they sell out: the table has every placer's row,
// and the check finds no oversell.
func TestBenchLivesale(t *testing.T) {
	args := []string{"bench", "livesale", "--buyers", "4", "--stock", "300", "--duration", "20s", "--in-process"}
	pg := os.Getenv(sqlstore.PostgresEnv)
	if pg != "" {
		args = append(args, "--postgres", pg)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr, func(string) string { return "" }); code != exitOK {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, &stdout, &stderr)
	}
	out := stdout.String()
	want := []string{
		`(?m)^oversell check \(tide\): 300 acknowledged, 300 units in stored orders, 0 available of 300: ok$`,
		`(?m)^ *placer +acknowledged +orders/s +p50 +p99 +sold out +errors +server CPU/order +load CPU/order +check *$`,
		`(?m)^ *tide: engine, SQLite group commit +300 +[0-9,]+ +[0-9.]+ [mµ]?s +[0-9.]+ [mµ]?s +[1-9][0-9]* +0 +- +- +ok *$`,
		`(?m)^ *null: answers at once \(HTTP ceiling\) +[0-9,]+ +[0-9,]+ .* 0 +- +- +- *$`,
		`(?m)(^ *redis: Lua decrement, not durable +300 .* 0 +- +- +ok *$)|(^redis: skipped \(127.0.0.1:6379: .*\)$)`,
	}
	if pg != "" {
		want = append(want, `(?m)^ *postgresql: UPDATE per order +300 .* 0 +- +- +ok *$`)
	} else {
		want = append(want, `(?m)^postgresql: skipped \(give --postgres URL\)$`)
	}
	for _, w := range want {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", w, out)
		}
	}
}

// TestBenchLivesaleViewers runs the viewers mode with a few viewers, who
// get updates about four times a second.
func TestBenchLivesaleViewers(t *testing.T) {
	args := []string{"bench", "livesale", "--buyers", "2", "--stock", "100000", "--duration", "2s", "--viewers", "20", "--in-process"}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr, func(string) string { return "" }); code != exitOK {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, &stdout, &stderr)
	}
	out := stdout.String()
	for _, w := range []string{
		`(?m)^20 viewers following one room, all with their snapshot in `,
		`(?m)^viewers failed: 0; updates delivered: [0-9,]+ \([2-4]\.[0-9]+ a second to each viewer\)$`,
		`(?m)^delivery lag \(.*\): p50 [0-9.]+ [mµ]?s, p99 [0-9.]+ [mµ]?s, max `,
	} {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", w, out)
		}
	}
}
