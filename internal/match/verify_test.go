package match

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Verify refuses solutions that break a rule or are not cheapest, whatever
// prices come with them.
func TestVerifyRefuses(t *testing.T) {
	// Two requests, two slots of one place each; the best is 0→0, 1→1 at 3.
	p := &Problem{Left: 2, Capacity: []int32{1, 1}, Skip: []int64{100, 100},
		Arcs: []Arc{{0, 0, 1}, {0, 1, 5}, {1, 0, 1}, {1, 1, 2}}}
	best, err := Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(p, best); err != nil || best.Cost != 3 {
		t.Fatalf("Verify(Solve) = %v with cost %d, want nil and 3", err, best.Cost)
	}
	for _, tc := range []struct {
		name  string
		right []int32
		cost  int64
		price []int64
		want  error
		says  string
	}{
		{"Worse", []int32{1, 0}, 6, best.Price, ErrNotOptimal, "bound it only from below"},
		{"WorseAnyPrice", []int32{1, 0}, 6, []int64{0, 4}, ErrNotOptimal, ""},
		{"Skipped", []int32{0, -1}, 101, best.Price, ErrNotOptimal, ""},
		{"OverCapacity", []int32{0, 0}, 2, []int64{0, 0}, ErrInvalid, "right node 0 holds 2"},
		{"NoArc", []int32{0, 2}, 3, best.Price, ErrInvalid, "left node 1 is given right node 2"},
		{"WrongCost", []int32{0, 1}, 4, best.Price, ErrInvalid, "Cost is 4"},
		{"NegativePrice", []int32{0, 1}, 3, []int64{-1, 0}, ErrNotOptimal, "price of right node 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(p, &Solution{Right: tc.right, Cost: tc.cost, Price: slices.Clone(tc.price)})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %v, want %v naming %q", err, tc.want, tc.says)
			}
		})
	}
}
