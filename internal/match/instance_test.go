package match

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestDenseRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 7} {
		cost := RandomDense(n, 1000, uint64(n))
		for k := range cost {
			cost[k] -= 500
		}
		var buf bytes.Buffer
		if err := WriteDense(&buf, n, cost); err != nil {
			t.Fatal(err)
		}
		gotN, got, err := ReadDense(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if gotN != n || !slices.Equal(got, cost) {
			t.Errorf("n = %d: read back %d, %v; want %v", n, gotN, got, cost)
		}
	}
}

func TestProblemRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range 50 {
		p := randomProblem(rng, n%2 == 0)
		var buf bytes.Buffer
		if err := WriteProblem(&buf, p); err != nil {
			t.Fatal(err)
		}
		text := buf.String()
		got, err := ReadProblem(&buf)
		if err != nil {
			t.Fatalf("instance %d: %v\n%s", n, err, text)
		}
		if got.Left != p.Left || !slices.Equal(got.Capacity, p.Capacity) || (got.Skip == nil) != (p.Skip == nil) ||
			!slices.Equal(got.Skip, p.Skip) || !slices.Equal(got.Arcs, p.Arcs) {
			t.Fatalf("instance %d: read back %+v, want %+v\n%s", n, got, p, text)
		}
	}
}

// Arcs out of order are written grouped by left node, each left node's in
// their order, and solve to the same cost.
func TestProblemRoundTripUnordered(t *testing.T) {
	p := &Problem{Left: 2, Capacity: []int32{1, 1}, Arcs: []Arc{{1, 0, 5}, {0, 1, 4}, {1, 1, 2}, {0, 0, 3}}}
	var buf bytes.Buffer
	if err := WriteProblem(&buf, p); err != nil {
		t.Fatal(err)
	}
	want := "transport 2 2\ncapacity 1 1\n- 2 1 4 0 3\n- 2 0 5 1 2\n"
	if buf.String() != want {
		t.Fatalf("wrote %q, want %q", buf.String(), want)
	}
	got, err := ReadProblem(strings.NewReader("# a comment\n" + want))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Solve(p)
	b, _ := Solve(got)
	if a.Cost != b.Cost || a.Cost != 5 {
		t.Errorf("costs %d and %d, want 5", a.Cost, b.Cost)
	}
}

func TestReadRefusesBadFiles(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
		dense            bool
	}{
		{"DenseEmpty", "", "line 1: file ends early", true},
		{"DenseShortRow", "2\n1 2\n3\n", "line 3: row 1 has 1 costs, want 2", true},
		{"DenseMissingRow", "2\n1 2\n", "line 3: file ends early", true},
		{"DenseNotANumber", "2\n1 x\n3 4\n", `line 2: "x" is not an integer`, true},
		{"DenseTrailing", "1\n5\n6\n", "line 3: unexpected line", true},
		{"NoHeader", "capacity 1\n", `line 1: want "transport L R"`, false},
		{"CapacityCount", "transport 1 2\ncapacity 1\n- 0\n", "line 2: 1 capacities, want R = 2", false},
		{"NegativeCapacity", "transport 1 1\ncapacity -1\n- 0\n", "capacity of right node 0 is -1", false},
		{"ArcCount", "transport 1 1\ncapacity 1\n- 2 0 5\n", "line 3: left node 0: want the number of arcs", false},
		{"RightOutOfRange", "transport 1 1\ncapacity 1\n- 1 1 5\n", "line 3: left node 0: right node 1 out of range", false},
		{"MixedSkip", "transport 2 1\ncapacity 1\n7 0\n- 0\n", "line 4: left node 1: skip \"-\" differs", false},
		{"MissingLeft", "transport 2 1\ncapacity 1\n- 0\n", "line 4: file ends early", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.dense {
				_, _, err = ReadDense(strings.NewReader(tc.text))
			} else {
				_, err = ReadProblem(strings.NewReader(tc.text))
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalid naming %q", err, tc.want)
			}
		})
	}
}
