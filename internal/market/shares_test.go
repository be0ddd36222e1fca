package market

import (
	"slices"
	"testing"
	"time"
)

func TestSplitShares(t *testing.T) {
	m := func(shares ...int64) []Member {
		out := make([]Member, len(shares))
		for i, s := range shares {
			out[i] = Member{Household: string(rune('a' + i)), Share: s}
		}
		return out
	}
	tests := []struct {
		name    string
		total   int64
		members []Member
		want    []int64
	}{
		{"Whole", 2800, m(10000), []int64{2800}},
		{"Thirds", 100, m(3333, 3333, 3334), []int64{33, 33, 34}},
		{"ThirdsOfOne", 1, m(3333, 3333, 3334), []int64{0, 0, 1}},
		{"EqualRemaindersGoFirst", 1, m(5000, 5000), []int64{1, 0}},
		{"LargestRemainder", 10, m(2500, 2500, 2500, 2500), []int64{3, 3, 2, 2}},
		{"Exact", 20000, m(1234, 8766), []int64{2468, 17532}},
		{"Large", 99 * MaxPrice, m(1, 9999), []int64{99 * MaxPrice / 10000, 99*MaxPrice - 99*MaxPrice/10000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitShares(tt.total, tt.members)
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitShares(%d) = %v, want %v", tt.total, got, tt.want)
			}
			var sum int64
			for _, p := range got {
				sum += p
			}
			if sum != tt.total {
				t.Errorf("parts add up to %d, want %d", sum, tt.total)
			}
		})
	}
}

func TestRateLimiter(t *testing.T) {
	l := newRateLimiter(3, CommentWindow)
	t0 := time.Date(2026, 5, 1, 20, 0, 0, 0, time.UTC)
	for i := range 3 {
		if !l.allow(1, "a", t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("comment %d refused", i+1)
		}
	}
	if l.allow(1, "a", t0.Add(5*time.Second)) {
		t.Error("fourth comment within the window allowed")
	}
	if !l.allow(2, "b", t0.Add(5*time.Second)) {
		t.Error("another person refused")
	}
	if !l.allow(1, "a", t0.Add(CommentWindow+time.Second)) {
		t.Error("comment after the window refused")
	}
}
