package policy

import (
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func lookup(tb testing.TB, id string) *Policy {
	tb.Helper()
	p, ok := Lookup(id)
	if !ok {
		tb.Fatalf("Lookup(%q): not found", id)
	}
	return p
}

func indicatorIDs(p *Policy) []string {
	var ids []string
	for _, ind := range p.Indicators {
		ids = append(ids, ind.ID)
	}
	return ids
}

func TestBuiltin(t *testing.T) {
	var got []string
	for _, p := range Builtin() {
		got = append(got, p.ID)
		t.Run(p.ID, func(t *testing.T) {
			if p.K > 0 {
				var sum float64
				for _, w := range p.Weights() {
					sum += w
				}
				if math.Abs(sum-1) > ScoreEpsilon {
					t.Errorf("weights sum: got %v, want 1", sum)
				}
			}
			if len(p.Indicators) > MaxIndicators {
				t.Errorf("indicators: got %d, want at most %d", len(p.Indicators), MaxIndicators)
			}
		})
	}
	if want := []string{"cn-2020", "global-mpi", "test", "vn-2022"}; !slices.Equal(got, want) {
		t.Errorf("IDs: got %v, want %v", got, want)
	}
}

func TestBuiltinGlobalMPI(t *testing.T) {
	p := lookup(t, "global-mpi")
	if got, want := len(p.Indicators), 10; got != want {
		t.Fatalf("indicators: got %d, want %d", got, want)
	}
	var sixths, eighteenths int
	dims := map[string]int{}
	for _, ind := range p.Indicators {
		switch ind.Weight {
		case 1.0 / 6:
			sixths++
		case 1.0 / 18:
			eighteenths++
		default:
			t.Errorf("%s weight: got %v, want 1/6 or 1/18", ind.ID, ind.Weight)
		}
		dims[ind.Dimension]++
	}
	if sixths != 4 || eighteenths != 6 {
		t.Errorf("weights: got %d at 1/6 and %d at 1/18, want 4 and 6", sixths, eighteenths)
	}
	if got, want := dims, map[string]int{"health": 2, "education": 2, "living_standards": 6}; !maps.Equal(got, want) {
		t.Errorf("dimensions: got %v, want %v", got, want)
	}
	if got, want := p.K, 1.0/3; got != want {
		t.Errorf("K: got %v, want %v", got, want)
	}
}

func TestBuiltinCN2020(t *testing.T) {
	p := lookup(t, "cn-2020")
	want := []string{"food_secure", "clothing_secure", "compulsory_education", "medical_insurance", "safe_housing", "safe_drinking_water"}
	if got := indicatorIDs(p); !slices.Equal(got, want) {
		t.Errorf("indicators: got %v, want %v", got, want)
	}
	if got := p.Exit.Indicators; !slices.Equal(got, want) {
		t.Errorf("exit indicators: got %v, want %v", got, want)
	}
	if got, want := p.IncomeLine, int64(400000); got != want {
		t.Errorf("IncomeLine: got %d, want %d", got, want)
	}
	if !p.Exit.IncomeAboveLine {
		t.Errorf("Exit.IncomeAboveLine: got false, want true")
	}
	if got, want := p.Monitoring, (MonitoringRules{1.5, 0.3, true}); got != want {
		t.Errorf("Monitoring: got %+v, want %+v", got, want)
	}
}

func TestBuiltinVN2022(t *testing.T) {
	p := lookup(t, "vn-2022")
	dims := map[string]bool{}
	for _, ind := range p.Indicators {
		dims[ind.Dimension] = true
	}
	if got, want := len(p.Indicators), 12; got != want {
		t.Errorf("indicators: got %d, want %d", got, want)
	}
	if got, want := len(dims), 6; got != want {
		t.Errorf("dimensions: got %d, want %d", got, want)
	}
	if got, want := p.IncomeLine, int64(18_000_000); got != want {
		t.Errorf("IncomeLine: got %d, want %d", got, want)
	}
	if got, want := p.FormatAmount(p.IncomeLine), "18,000,000"; got != want {
		t.Errorf("FormatAmount: got %q, want %q", got, want)
	}
}

func writeFile(tb testing.TB, dir, name, data string) {
	tb.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestRegistryLoadDir(t *testing.T) {
	t.Run("Loads", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "t.yaml", baseYAML)
		writeFile(t, dir, "README.md", "not a policy")
		r := NewRegistry()
		if err := r.LoadDir(dir); err != nil {
			t.Fatalf("LoadDir: %v", err)
		}
		if _, ok := r.Lookup("t"); !ok {
			t.Errorf("Lookup(t): got not found, want found")
		}
		if got, want := len(r.Policies()), len(Builtin())+1; got != want {
			t.Errorf("Policies: got %d, want %d", got, want)
		}
	})
	t.Run("ErrNameMismatch", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "other.yaml", baseYAML)
		err := NewRegistry().LoadDir(dir)
		var e *Error
		if !errors.As(err, &e) || e.Field != "id" || e.File != filepath.Join(dir, "other.yaml") {
			t.Errorf("LoadDir: got %v, want an id error for other.yaml", err)
		}
	})
	t.Run("ErrDuplicateBuiltin", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "test.yaml", strings.Replace(baseYAML, "id: t\n", "id: test\n", 1))
		if err := NewRegistry().LoadDir(dir); err == nil || !strings.Contains(err.Error(), "already loaded") {
			t.Errorf("LoadDir: got %v, want already loaded", err)
		}
	})
	t.Run("ErrInvalidFileAddsNothing", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "a.yaml", strings.Replace(baseYAML, "id: t\n", "id: a\n", 1))
		writeFile(t, dir, "b.yaml", strings.Replace(baseYAML, "kind: bool", "kind: flag", 1))
		r := NewRegistry()
		err := r.LoadDir(dir)
		var e *Error
		if !errors.As(err, &e) || e.File != filepath.Join(dir, "b.yaml") || e.Line != 11 {
			t.Errorf("LoadDir: got %v, want b.yaml line 11", err)
		}
		if _, ok := r.Lookup("a"); ok {
			t.Errorf("Lookup(a): got found, want nothing added")
		}
	})
}
