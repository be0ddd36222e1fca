package sqlstore_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// regVillages are the villages of regSeed's tree, two counties of two each.
var regVillages = []string{"900101001001", "900101001002", "900102001001", "900102001002"}

// regRegions is how many regions (and so audit entries) regSeed creates.
const regRegions = 10

// regSeed creates the tree above regVillages.
func regSeed(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	rs := []*region.Region{{Code: "90", Name: "P", Level: region.Province}, {Code: "9001", Name: "Pre", Level: region.Prefecture, Parent: "90"}}
	for _, c := range []string{"900101", "900102"} {
		rs = append(rs, &region.Region{Code: c, Name: c, Level: region.County, Parent: "9001"},
			&region.Region{Code: c + "001", Name: c, Level: region.Township, Parent: c})
	}
	for _, v := range regVillages {
		rs = append(rs, &region.Region{Code: v, Name: v, Level: region.Village, Parent: v[:9]})
	}
	if err := region.NewService(db).CreateAll(admin(context.Background()), rs); err != nil {
		t.Fatal(err)
	}
}

// regHouseholds stores n households spread over regVillages, as the
// registry would hand them to the store, and returns them with their IDs.
func regHouseholds(t *testing.T, db *sqlstore.DB, n int, status registry.Status) []*registry.Household {
	t.Helper()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	hs := make([]*registry.Household, n)
	changes := make([]audit.Change, n)
	for i := range hs {
		ref := fmt.Sprintf("ref%s%05d", status, i)
		hs[i] = &registry.Household{Ref: ref, Village: regVillages[i%len(regVillages)], Status: status,
			IncomePerPerson: int64(100000 + i), Indicators: map[string]float64{"food_secure": 1}, CreatedAt: now, UpdatedAt: now,
			Members: []registry.Member{
				{Name: "甲", Sex: "m", Birth: "1970-01-01", Relation: "head", IDSealed: []byte("sealed"), IDHash: testHash(fmt.Sprintf("h%s%05da", status, i))},
				{Name: "乙", Sex: "f", Birth: "1972-01-01", Relation: "spouse", IDSealed: []byte("sealed"), IDHash: testHash(fmt.Sprintf("h%s%05db", status, i))},
			}}
		changes[i] = audit.Change{Actor: "test", Action: "create", Entity: "household", EntityID: ref}
	}
	if err := db.CreateHouseholds(context.Background(), hs, changes); err != nil {
		t.Fatalf("create: %v", err)
	}
	return hs
}

// testHash stands for the registry's hex ID hash of s.
func testHash(s string) string { return hex.EncodeToString([]byte(s)) }

func regVerify(t *testing.T, db *sqlstore.DB, want int64) {
	t.Helper()
	brk, n, err := audit.Verify(context.Background(), db)
	if err != nil || brk != nil || n != want {
		t.Fatalf("audit chain: %d entries, %v, %+v; want %d whole", n, err, brk, want)
	}
}

func TestCreateHouseholdsRefusesARegisteredHash(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		regSeed(t, db)
		hs := regHouseholds(t, db, 3, registry.Identified)
		for _, h := range hs {
			if h.ID == 0 {
				t.Fatalf("household %s got no ID", h.Ref)
			}
		}
		dup := &registry.Household{Ref: "dup", Village: regVillages[0], Status: registry.Identified, Indicators: map[string]float64{},
			Members: []registry.Member{{Name: "丙", Sex: "m", Birth: "1980-01-01", Relation: "head", IDHash: hs[1].Members[0].IDHash}}}
		err := db.CreateHouseholds(context.Background(), []*registry.Household{dup}, []audit.Change{{Actor: "test", Action: "create"}})
		if tide.ErrorCode(err) != tide.ECONFLICT || tide.ErrorField(err) != "members.id_number" {
			t.Errorf("duplicate hash: %v (field %q), want conflict on members.id_number", err, tide.ErrorField(err))
		}
		if _, err := db.FindHousehold(context.Background(), "dup"); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("the refused household was written: %v", err)
		}
		regVerify(t, db, regRegions+3)
	})
}

func TestFindHouseholdsByRef(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		regSeed(t, db)
		hs := regHouseholds(t, db, 600, registry.Identified)
		refs := []string{"nosuch"}
		for i := 0; i < 600; i += 2 {
			refs = append(refs, hs[i].Ref)
		}
		for _, members := range []bool{false, true} {
			got, err := db.FindHouseholdsByRef(context.Background(), refs, members)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 300 {
				t.Fatalf("found %d households, want 300", len(got))
			}
			for _, h := range got {
				if want := 0; members {
					want = 2
					if len(h.Members) != want || h.Members[1].IDHash == "" {
						t.Fatalf("%s: members %+v", h.Ref, h.Members)
					}
				} else if len(h.Members) != want {
					t.Fatalf("%s: members loaded when not asked for", h.Ref)
				}
			}
		}
	})
}

// TestScanHouseholds pages by key through one status under a prefix, in
// region then ID order, whatever happens to the rows already passed.
func TestScanHouseholds(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		regSeed(t, db)
		exited := regHouseholds(t, db, 50, registry.Exited)
		regHouseholds(t, db, 20, registry.Assisted)
		var want []*registry.Household
		for _, h := range exited {
			if h.Village[:6] == "900101" {
				want = append(want, h)
			}
		}
		slices.SortFunc(want, func(a, b *registry.Household) int {
			if a.Village != b.Village {
				return map[bool]int{true: -1, false: 1}[a.Village < b.Village]
			}
			return int(a.ID - b.ID)
		})
		var got []*registry.Household
		for region, id := "", int64(0); ; {
			page, err := db.ScanHouseholds(context.Background(), "900101", registry.Exited, region, id, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			region, id = page[len(page)-1].Village, page[len(page)-1].ID
			// Moving a passed household changes nothing ahead.
			sc := &registry.StatusChange{From: registry.Exited, To: registry.Monitored, Actor: "test", At: time.Now()}
			w := &registry.Watch{Household: page[0].Ref, Region: page[0].Village, Stage: registry.WatchFlagged, OpenedAt: time.Now()}
			if err := db.CreateWatches(context.Background(), []*registry.Watch{w}, page[:1], []*registry.StatusChange{sc},
				[]audit.Change{{Actor: "test", Action: "monitor_flag"}}); err != nil {
				t.Fatal(err)
			}
			if len(page[0].Members) != 2 {
				t.Errorf("members not loaded: %+v", page[0].Members)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("scanned %d households, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i].Ref != want[i].Ref {
				t.Fatalf("position %d: %s, want %s", i, got[i].Ref, want[i].Ref)
			}
		}
		all, err := db.ScanHouseholds(context.Background(), "", registry.Assisted, "", 0, 100)
		if err != nil || len(all) != 20 {
			t.Errorf("whole tree: %d households, %v", len(all), err)
		}
	})
}

// TestBatchCaseWrites writes exits and measures for many households in one
// transaction each, moving their statuses in groups, on both engines.
func TestBatchCaseWrites(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		regSeed(t, db)
		hs := regHouseholds(t, db, 600, registry.Identified)
		t0 := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)

		// Measures: two per household, the first of which moves it.
		var as []*registry.Assistance
		var ahs []*registry.Household
		var scs []*registry.StatusChange
		var changes []audit.Change
		for i, h := range hs {
			for k := range 2 {
				as = append(as, &registry.Assistance{Kind: "industry", Cost: int64(i), Date: "2026-01-31", Actor: "test", CreatedAt: t0})
				ahs = append(ahs, h)
				var sc *registry.StatusChange
				if k == 0 {
					at := t0.Add(time.Duration(i%3) * time.Hour) // three groups of moves
					sc = &registry.StatusChange{From: registry.Identified, To: registry.Assisted, Reason: "assistance: industry", Actor: "test", At: at}
				}
				scs = append(scs, sc)
				changes = append(changes, audit.Change{Actor: "test", Action: "assist", Entity: "household", EntityID: h.Ref})
			}
		}
		if err := db.CreateAssistances(ctx, as, ahs, scs, changes); err != nil {
			t.Fatal(err)
		}
		counts, _ := db.CountByStatus(ctx, "90")
		if counts[registry.Assisted] != 600 {
			t.Fatalf("counts %v", counts)
		}
		got, _ := db.FindHousehold(ctx, hs[5].Ref)
		hist, _ := db.FindHistory(ctx, hs[5].ID)
		if got.Status != registry.Assisted || !got.UpdatedAt.Equal(t0.Add(2*time.Hour)) || len(hist) != 1 || !hist[0].At.Equal(got.UpdatedAt) {
			t.Errorf("household 5: %s at %v, history %+v", got.Status, got.UpdatedAt, hist)
		}
		if list, _ := db.FindAssistance(ctx, hs[7].ID); len(list) != 2 || list[1].Cost != 7 {
			t.Errorf("measures of household 7: %+v", list)
		}

		// Exits: opened for all, then advanced for all at once.
		es := make([]*registry.Exit, len(hs))
		changes = changes[:0]
		for i, h := range hs {
			es[i] = &registry.Exit{Household: h.Ref, Region: h.Village, Policy: "cn-2020", Stage: registry.StageProposed,
				Steps: []registry.ExitStep{{Stage: registry.StageProposed, Actor: "test", At: t0}}}
			changes = append(changes, audit.Change{Actor: "test", Action: "exit_propose", Entity: "household", EntityID: h.Ref})
		}
		if err := db.CreateExits(ctx, es, hs, nil, changes); err != nil {
			t.Fatal(err)
		}
		ids := map[int64]bool{}
		for _, e := range es {
			ids[e.ID] = true
		}
		if len(ids) != len(es) || ids[0] {
			t.Fatalf("exit IDs not set one each: %d distinct", len(ids))
		}
		scs = make([]*registry.StatusChange, len(hs))
		for i, e := range es {
			e.Stage, e.PostingEnds = registry.StageApproved, t0.Add(24*time.Hour)
			e.Steps = append(e.Steps, registry.ExitStep{Stage: registry.StageApproved, Actor: "test", At: t0.Add(48 * time.Hour)})
			if i%2 == 0 {
				e.Stage = registry.StagePosted
			} else {
				scs[i] = &registry.StatusChange{From: registry.Assisted, To: registry.Exited, Reason: "exit approved", Actor: "test", At: t0.Add(48 * time.Hour)}
			}
		}
		if err := db.AdvanceExits(ctx, es, hs, scs, changes); err != nil {
			t.Fatal(err)
		}
		open, err := db.FindOpenExits(ctx, []int64{hs[0].ID, hs[1].ID, hs[598].ID, hs[599].ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 2 || open[hs[0].ID] == nil || open[hs[598].ID].Stage != registry.StagePosted ||
			len(open[hs[0].ID].Steps) != 2 || !open[hs[0].ID].PostingEnds.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("open exits %+v", open)
		}
		counts, _ = db.CountByStatus(ctx, "90")
		if counts[registry.Exited] != 300 || counts[registry.Assisted] != 300 {
			t.Errorf("counts after approvals %v", counts)
		}
		regVerify(t, db, regRegions+600+1200+600+600)
	})
}

// TestSQLiteWritersQueue runs writers side by side: none fails on a busy
// database and the audit chain stays whole.
func TestSQLiteWritersQueue(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		var wg sync.WaitGroup
		errs := make(chan error, 400)
		for w := range 8 {
			wg.Go(func() {
				for i := range 50 {
					errs <- db.Audit(context.Background(), audit.Change{Actor: fmt.Sprintf("w%d", w), Action: "test", Entity: "x", EntityID: fmt.Sprint(i)})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		regVerify(t, db, 400)
	})
}
