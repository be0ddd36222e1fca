package demo_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/demo"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// mediumShape is a province of 3 counties, 36 villages and about 3,000
// households: enough for every status to appear.
var mediumShape = demo.Shape{Prefectures: 1, CountiesPerPref: []int{3}, TownshipsPerCounty: 3, VillagesPerTownship: 4, Households: 3000}

func system() context.Context { return tide.WithActor(context.Background(), tide.System) }

// allHouseholds reads every household with ID numbers in full.
func allHouseholds(tb testing.TB, w *wiring) []*registry.Household {
	tb.Helper()
	var out []*registry.Household
	for offset := 0; ; offset += 500 {
		list, total, err := w.svc.Registry.List(system(), registry.Filter{Offset: offset, Limit: 500})
		if err != nil {
			tb.Fatalf("list: %v", err)
		}
		out = append(out, list...)
		if offset+500 >= total {
			return out
		}
	}
}

func TestGenerateHouseholds(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWiring(t, db)
		p := generate(t, w, mediumShape, 7)
		ctx := system()

		hs := allHouseholds(t, w)
		if len(hs) != p.Households || len(hs) < 2900 || len(hs) > 3100 {
			t.Fatalf("got %d households (province says %d), want about 3,000", len(hs), p.Households)
		}
		t.Run("Statuses", func(t *testing.T) {
			counts, err := w.svc.Registry.CountByStatus(ctx, demo.ProvinceCode)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range registry.Statuses {
				if counts[st] == 0 {
					t.Errorf("no household is %s: %v", st, counts)
				}
				if counts[st] != p.ByStatus[st] {
					t.Errorf("%s: store counts %d, summary says %d", st, counts[st], p.ByStatus[st])
				}
			}
			if counts[registry.Exited] < len(hs)/4 || counts[registry.Assisted] < len(hs)/8 {
				t.Errorf("want a good share exited and many assisted: %v", counts)
			}
			if p.Measures == 0 || p.ExitsApproved == 0 || p.ExitsOpen == 0 || p.Flagged == 0 {
				t.Errorf("summary is missing a part of the campaign: %s", p.HouseholdSummary())
			}
			// Most registered poor; many have left the line behind since.
			below := 0
			for _, h := range hs {
				if h.IncomePerPerson < 400000 {
					below++
				}
			}
			if below != p.PoorNow || p.PoorFirstYear < len(hs)*2/3 || p.PoorNow > p.PoorFirstYear/2 {
				t.Errorf("below the line: %d in the registry, summary %d now and %d in their first year, of %d",
					below, p.PoorNow, p.PoorFirstYear, len(hs))
			}
		})
		t.Run("Members", func(t *testing.T) { checkMembers(t, hs) })
		t.Run("Facts", func(t *testing.T) { checkFacts(t, w, hs) })
		t.Run("Histories", func(t *testing.T) { checkHistories(t, w, hs) })
		t.Run("Measures", func(t *testing.T) {
			for _, pol := range []string{"cn-2020", "global-mpi"} {
				r, err := w.analytics.Measures(ctx, demo.ProvinceCode, pol, 0)
				if err != nil {
					t.Fatalf("%s: %v", pol, err)
				}
				if r.Households != int64(len(hs)) || r.Persons != int64(p.Persons) {
					t.Errorf("%s: index has %d households, %d persons; want %d, %d", pol, r.Households, r.Persons, len(hs), p.Persons)
				}
				if len(r.Children) == 0 || r.MPI.H <= 0 || r.MPI.H >= 0.5 {
					t.Errorf("%s: H %.3f with %d children; want some deprivation left and a region tree", pol, r.MPI.H, len(r.Children))
				}
				// global-mpi's line is in US cents, far below the demo's yuan.
				if pol == "cn-2020" && (r.P0 <= 0 || r.P0 >= 0.5) {
					t.Errorf("%s: P0 %.3f; want some poverty left", pol, r.P0)
				}
			}
		})
		t.Run("Screened", func(t *testing.T) {
			// The demo ends screened: screening again lists no one new.
			n, err := w.svc.Registry.Screen(ctx, demo.ProvinceCode)
			if err != nil || n != 0 {
				t.Errorf("a new screen flagged %d (%v), want 0", n, err)
			}
		})
		t.Run("Audit", func(t *testing.T) {
			brk, n, err := audit.Verify(ctx, db)
			if err != nil || brk != nil {
				t.Fatalf("audit chain: %v %+v", err, brk)
			}
			if n < int64(len(hs)+p.Measures+p.ExitsApproved) {
				t.Errorf("%d audit entries for %d households, %d measures and %d exits", n, len(hs), p.Measures, p.ExitsApproved)
			}
		})
	})
}

// checkMembers checks the households' members: 1 to 7 of them, one head,
// plausible ages for each relation and valid ID numbers under the county.
func checkMembers(t *testing.T, hs []*registry.Household) {
	t.Helper()
	seen := map[string]bool{}
	sizes := map[int]int{}
	phones := 0
	for _, h := range hs {
		sizes[len(h.Members)]++
		if len(h.Members) < 1 || len(h.Members) > 7 {
			t.Errorf("household %s has %d members", h.Ref, len(h.Members))
		}
		if h.Cadre.Name == "" || h.Cadre.Phone == "" {
			t.Errorf("household %s has no paired cadre", h.Ref)
		}
		var head time.Time
		for _, m := range h.Members {
			if m.Relation == "head" {
				head, _ = time.Parse("2006-01-02", m.Birth)
			}
		}
		for i, m := range h.Members {
			id := m.IDNumber
			if len(id) != 18 || registry.ChineseIDCheck(id[:17]) != id[17] {
				t.Fatalf("household %s member %d: ID number %q is not a valid 18-character number", h.Ref, i, id)
			}
			if id[:6] != h.Village[:6] || id[6:14] != strings.ReplaceAll(m.Birth, "-", "") {
				t.Errorf("ID number %s does not start with the county %s and the birth date %s", id, h.Village[:6], m.Birth)
			}
			if (id[16]-'0')%2 == 1 != (m.Sex == "m") {
				t.Errorf("ID number %s: the sequence's parity does not match sex %s", id, m.Sex)
			}
			if seen[id] {
				t.Errorf("ID number %s appears twice", id)
			}
			seen[id] = true
			if m.Phone != "" {
				phones++
			}
			birth, _ := time.Parse("2006-01-02", m.Birth)
			if m.Relation == "child" && !birth.After(head.AddDate(16, 0, 0)) {
				t.Errorf("household %s: child born %s, head born %s", h.Ref, m.Birth, head.Format("2006-01-02"))
			}
			if m.Relation == "parent" && !birth.Before(head.AddDate(-16, 0, 0)) {
				t.Errorf("household %s: parent born %s, head born %s", h.Ref, m.Birth, head.Format("2006-01-02"))
			}
		}
	}
	for n := 1; n <= 5; n++ {
		if sizes[n] == 0 {
			t.Errorf("no household of %d: %v", n, sizes)
		}
	}
	if phones == 0 || phones >= len(seen) {
		t.Errorf("%d of %d members have a phone; want some, not all", phones, len(seen))
	}
}

// checkFacts checks incomes, indicators and their links to the statuses.
func checkFacts(t *testing.T, w *wiring, hs []*registry.Household) {
	t.Helper()
	cn, _ := w.policies.Lookup("cn-2020")
	mpi, _ := w.policies.Lookup("global-mpi")
	below, mpiPoor := 0, 0
	for _, h := range hs {
		f := h.Facts()
		for _, p := range []string{"cn-2020", "global-mpi"} {
			pol := cn
			if p == "global-mpi" {
				pol = mpi
			}
			if _, missing := pol.Deprivations(f); len(missing) > 0 {
				t.Fatalf("household %s lacks %s facts %v", h.Ref, p, missing)
			}
		}
		if h.IncomePerPerson < cn.IncomeLine {
			below++
		}
		if mask, _ := mpi.Deprivations(f); mpi.Score(mask) >= 1.0/3 {
			mpiPoor++
		}
		if h.IncomePerPerson <= 0 || h.LastYearIncome <= 0 || h.IncomePerPerson > 100_000_00 {
			t.Errorf("household %s: income %d, last year %d", h.Ref, h.IncomePerPerson, h.LastYearIncome)
		}
		if h.Status == registry.Exited || h.Status == registry.Monitored {
			if !cn.AssessExit(f).Eligible {
				t.Errorf("household %s is %s but does not meet cn-2020's exit standard", h.Ref, h.Status)
			}
		}
		if h.Status == registry.Monitored && len(cn.MonitoringReasons(f)) == 0 {
			t.Errorf("household %s is monitored with no monitoring reason", h.Ref)
		}
	}
	if below == 0 || below > len(hs)/2 || mpiPoor == 0 {
		t.Errorf("%d of %d households below the line, %d MPI-poor; want some, not most", below, len(hs), mpiPoor)
	}
}

// checkHistories checks that each status came the proper way.
func checkHistories(t *testing.T, w *wiring, hs []*registry.Household) {
	t.Helper()
	ctx := system()
	checked := map[registry.Status]int{}
	for _, h := range hs {
		if checked[h.Status] >= 25 {
			continue
		}
		checked[h.Status]++
		hist, err := w.svc.Registry.History(ctx, h.Ref)
		if err != nil {
			t.Fatal(err)
		}
		var path []string
		for i, sc := range hist {
			path = append(path, string(sc.To))
			if i > 0 && (sc.From != hist[i-1].To || sc.At.Before(hist[i-1].At)) {
				t.Errorf("household %s: history out of order: %+v", h.Ref, hist)
			}
		}
		wants := map[registry.Status][][]string{
			registry.Identified: {nil},
			registry.Assisted:   {{"assisted"}},
			// Exited, or cleared after a spell on the monitoring list.
			registry.Exited:    {{"assisted", "exited"}, {"assisted", "exited", "monitored", "exited"}},
			registry.Monitored: {{"assisted", "exited", "monitored"}},
			registry.Returned:  {{"assisted", "exited", "monitored", "returned"}},
		}[h.Status]
		if !slices.ContainsFunc(wants, func(w []string) bool { return slices.Equal(path, w) }) {
			t.Errorf("household %s is %s with history %v, want one of %v", h.Ref, h.Status, path, wants)
		}
		measures, err := w.svc.Registry.AssistanceOf(ctx, h.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if (h.Status == registry.Identified) != (len(measures) == 0) {
			t.Errorf("household %s is %s with %d measures", h.Ref, h.Status, len(measures))
		}
		for _, m := range measures {
			if m.Cost <= 0 || m.Date == "" || !slices.Contains(registry.AssistanceKinds, m.Kind) {
				t.Errorf("household %s: measure %+v", h.Ref, m)
			}
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	digest := func() string {
		w := newWiring(t, sqlstore.OpenTest(t, sqlstore.SQLite))
		generate(t, w, smallShape, 42)
		hs := allHouseholds(t, w)
		lines := make([]string, len(hs))
		for i, h := range hs {
			var b strings.Builder
			fmt.Fprintf(&b, "%s %s %d %d %d %v %s|", h.Village, h.Status, h.IncomePerPerson, h.LastYearIncome, h.ShockCosts, h.Indicators, h.Cadre.Name)
			for _, m := range h.Members {
				fmt.Fprintf(&b, "%s %s %s %s %s %s;", m.Name, m.Birth, m.Relation, m.IDNumber, m.Phone, m.Schooling)
			}
			lines[i] = b.String()
		}
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	a, b := digest(), digest()
	if a != b {
		t.Errorf("the same seed gave different households")
	}
}

// TestDefaultProvince generates the province tide serve --demo makes and
// checks what the demo accounts will see.
func TestDefaultProvince(t *testing.T) {
	if testing.Short() {
		t.Skip("the default province takes seconds to generate")
	}
	w := newWiring(t, sqlstore.OpenTest(t, sqlstore.SQLite))
	p := generate(t, w, demo.DefaultShape, 1)
	t.Log(p.HouseholdSummary())
	if p.Households < 49_000 || p.Households > 51_000 {
		t.Errorf("got %d households, want about 50,000", p.Households)
	}
	perCounty := map[string]int{}
	for _, c := range p.Counties {
		counts, err := w.svc.Registry.CountByStatus(system(), c.Code)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range counts {
			perCounty[c.Code] += n
		}
	}
	lo, hi := p.Households, 0
	for _, n := range perCounty {
		lo, hi = min(lo, n), max(hi, n)
	}
	if hi < 2*lo {
		t.Errorf("households per county %v: want them uneven", perCounty)
	}
	for _, a := range p.Accounts {
		if a.Role != tide.RoleCounty && a.Role != tide.RoleRegistrar {
			continue
		}
		ctx := tide.WithActor(context.Background(), &tide.Actor{Name: a.Name, Roles: []tide.Role{a.Role}, Scope: a.Scope})
		list, total, err := w.svc.Registry.List(ctx, registry.Filter{Limit: 5})
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		if total == 0 {
			t.Errorf("%s (%s) sees no households", a.Name, a.Scope)
		}
		for _, h := range list {
			if !strings.HasPrefix(h.Village, a.Scope) {
				t.Errorf("%s (%s) sees household of %s", a.Name, a.Scope, h.Village)
			}
		}
	}
}
