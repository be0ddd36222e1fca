package registry

import (
	"slices"
	"testing"
)

// TestMembersOf checks that a household's members come out in their rows'
// order whether their rows sat side by side in a batch or apart, and that
// members shared with a batch cannot be overwritten by appending.
func TestMembersOf(t *testing.T) {
	c := newMemberChecks(func(*Member) error { return nil })
	var a, b []memberRef
	for _, name := range []string{"a1", "a2", "b1", "a3", "b2", "b3"} {
		r := c.add(Member{Name: name})
		if name[0] == 'a' {
			a = append(a, r)
		} else {
			b = append(b, r)
		}
	}
	c.wait()
	names := func(ms []Member) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		refs []memberRef
		want []string
	}{
		{"Apart", a, []string{"a1", "a2", "a3"}},
		{"SideBySide", a[:2], []string{"a1", "a2"}},
		{"None", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := membersOf(tc.refs)
			if !slices.Equal(names(got), tc.want) {
				t.Fatalf("got %v, want %v", names(got), tc.want)
			}
			if got == nil {
				t.Fatal("got nil, want an empty list")
			}
			_ = append(got, Member{Name: "x"})
			// b1 sits right after a2 in the batch.
			if after := names(membersOf(b)); !slices.Equal(after, []string{"b1", "b2", "b3"}) {
				t.Errorf("after appending: b's members are %v", after)
			}
		})
	}
}
