package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
)

// TestBenchLikes runs `tide bench likes` in process on tiny numbers: every
// path's counter ends at exactly the likes sent, and Redis has its row when
// it is up and is skipped when it is not. The viewers are many, so no
// address passes the like route's rate limit however fast the machine.
func TestBenchLikes(t *testing.T) {
	args := []string{"bench", "likes", "--batch", "5", "--duration", "300ms", "--conns", "2", "--viewers", "20000", "--workers", "1"}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr, func(string) string { return "" }); code != exitOK {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, &stdout, &stderr)
	}
	out := stdout.String()
	for _, w := range []string{
		`(?m)^ *path +likes sent +likes/s +batches/s +p50 +p99 +refused +errors +counted +check +CPU used +likes per CPU-s *$`,
		`(?m)^ *in process: live hub +([1-9][0-9,]*) +[0-9,]+ +[0-9,]+ +- +- +0 +0 +([1-9][0-9,]*) +ok +[0-9.]+ s +[0-9,]+ *$`,
		`(?m)^ *http: POST /api/v1/rooms/\{room\}/likes +([1-9][0-9,]*) +[0-9,]+ +[0-9,]+ +[0-9.]+ [mµ]?s +[0-9.]+ [mµ]?s +0 +0 +[1-9][0-9,]* +ok +[0-9.]+ s +[0-9,]+ *$`,
		`(?m)(^ *redis: INCRBY 1, pipelined +[1-9][0-9,]* .* 0 +[1-9][0-9,]* +ok +- +- *$)|(^redis: skipped \(127.0.0.1:6379: .*\)$)`,
		`(?m)^in process: live hub: written by the hub ([0-9,]+), shown to the viewer ([0-9,]+), of ([0-9,]+) sent$`,
	} {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", w, out)
		}
	}
	if m := regexp.MustCompile(`written by the hub ([0-9,]+), shown to the viewer ([0-9,]+), of ([0-9,]+) sent`).FindStringSubmatch(out); m == nil || m[1] != m[3] || m[2] != m[3] {
		t.Errorf("the hub's counts differ from the likes sent: %v", m)
	}
}

// TestBenchLikesRefused has two viewers tap far past the like route's rate
// limit and Redis away: the refused batches are not counted as sent, the
// stored count still equals what was acknowledged, and Redis is skipped.
func TestBenchLikesRefused(t *testing.T) {
	args := []string{"bench", "likes", "--batch", "3", "--duration", "300ms", "--conns", "2", "--viewers", "2", "--workers", "1",
		"--redis", "127.0.0.1:1"}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr, func(string) string { return "" }); code != exitOK {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, &stdout, &stderr)
	}
	out := stdout.String()
	for _, w := range []string{
		`(?m)^ *http: POST /api/v1/rooms/\{room\}/likes +[1-9][0-9,]* .* [1-9][0-9,]* +0 +[1-9][0-9,]* +ok +[0-9.]+ s +[0-9,]+ *$`,
		`(?m)^redis: skipped \(127.0.0.1:1: .*\)$`,
	} {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", w, out)
		}
	}
}

func TestBenchLikesUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"BatchZero":     {"bench", "likes", "--batch", "0"},
		"BatchTooBig":   {"bench", "likes", "--batch", "51"},
		"NoDuration":    {"bench", "likes", "--duration", "0s"},
		"FewerViewers":  {"bench", "likes", "--conns", "10", "--viewers", "5"},
		"StrayArgument": {"bench", "likes", "extra"},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), args, &stdout, &stderr, func(string) string { return "" }); code != exitUsage {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitUsage, &stderr)
			}
		})
	}
}
