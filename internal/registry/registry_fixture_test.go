package registry_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/analytics"
	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// The region tree of these tests: province 90, prefecture 9001, counties
// 900101 and 900102, a township in each, and villages under them.
const (
	rtCounty1   = "900101"
	rtCounty2   = "900102"
	rtTownship1 = "900101001"
	rtVillage1  = "900101001001"
	rtVillage2  = "900101001002"
	rtVillage3  = "900102001001" // in county 2
)

// rtFixture is a registry service over a real database, wired as tide serve
// wires it, with a clock the tests move.
type rtFixture struct {
	db  *sqlstore.DB
	svc *registry.Service
	an  *analytics.Service
	now time.Time
}

func newRTFixture(tb testing.TB, db *sqlstore.DB) *rtFixture {
	tb.Helper()
	ctx := rtAdmin()
	rs := []*region.Region{{Code: "90", Name: "P", Level: region.Province},
		{Code: "9001", Name: "Pre", Level: region.Prefecture, Parent: "90"}}
	for _, c := range []string{rtCounty1, rtCounty2} {
		rs = append(rs, &region.Region{Code: c, Name: "C" + c, Level: region.County, Parent: "9001"},
			&region.Region{Code: c + "001", Name: "T" + c, Level: region.Township, Parent: c})
	}
	for _, v := range []string{rtVillage1, rtVillage2, rtVillage3} {
		rs = append(rs, &region.Region{Code: v, Name: "V" + v, Level: region.Village, Parent: v[:9]})
	}
	if err := region.NewService(db).CreateAll(ctx, rs); err != nil {
		tb.Fatalf("regions: %v", err)
	}
	sealer, err := secret.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		tb.Fatal(err)
	}
	pols := policy.NewRegistry()
	an, err := analytics.New(context.Background(), db, db, pols, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("analytics: %v", err)
	}
	f := &rtFixture{db: db, an: an, now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f.svc = registry.NewService(db, sealer, pols, an).WithClock(func() time.Time { return f.now })
	return f
}

// The actors of these tests.
func rtAdmin() context.Context { return tide.WithActor(context.Background(), tide.System) }

func rtActor(name string, role tide.Role, scope string) context.Context {
	return tide.WithActor(context.Background(), &tide.Actor{Name: name, Roles: []tide.Role{role}, Scope: scope})
}

var (
	rtRegistrar = rtActor("registrar1", tide.RoleRegistrar, rtTownship1)
	rtOfficer1  = rtActor("county1", tide.RoleCounty, rtCounty1)
	rtOfficer2  = rtActor("county2", tide.RoleCounty, rtCounty2)
	rtAnalyst   = rtActor("analyst", tide.RoleAnalyst, "")
)

// rtSeq numbers the ID numbers the tests make, so none repeats.
var rtSeq atomic.Int64

// rtID returns a valid, never repeated 18-character ID number under county.
func rtID(county string) string {
	first := fmt.Sprintf("%s19%09d", county, rtSeq.Add(1))
	return first + string(registry.ChineseIDCheck(first))
}

// rtHousehold returns a household of persons members in village with income
// per person yuan that meets every cn-2020 guarantee.
func rtHousehold(village string, yuan int64, persons int) *registry.Household {
	h := &registry.Household{Village: village, IncomePerPerson: yuan * 100, LastYearIncome: yuan * 90,
		Cadre: registry.Cadre{Name: "李伟", Phone: "13800138000"},
		Indicators: map[string]float64{"food_secure": 1, "clothing_secure": 1, "compulsory_education": 1,
			"medical_insurance": 1, "safe_housing": 1, "safe_drinking_water": 1,
			"nutrition": 1, "child_mortality": 1, "years_of_schooling": 9, "school_attendance": 1,
			"cooking_fuel": 1, "sanitation": 1, "drinking_water": 1, "electricity": 1, "housing": 1, "assets": 1}}
	rel := []string{"head", "spouse", "child", "child", "parent", "parent", "grandchild"}
	birth := []string{"1975-04-12", "1977-09-30", "2005-01-15", "2012-06-01", "1950-02-02", "1952-11-11", "2018-03-03"}
	for i := range persons {
		h.Members = append(h.Members, registry.Member{Name: fmt.Sprintf("王%c", '一'+rune(i)), Sex: []string{"m", "f"}[i%2],
			Birth: birth[i%len(birth)], Relation: rel[i%len(rel)], IDNumber: rtID(village[:6]),
			MedicalInsurance: true})
	}
	return h
}

// create registers households as the administrator.
func (f *rtFixture) create(tb testing.TB, hs ...*registry.Household) {
	tb.Helper()
	if err := f.svc.CreateMany(rtAdmin(), hs, nil); err != nil {
		tb.Fatalf("create: %v", err)
	}
}

// count returns the rows of a table, read past the store.
func (f *rtFixture) count(tb testing.TB, table string) int {
	tb.Helper()
	var n int
	if err := f.db.SQL().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		tb.Fatalf("count %s: %v", table, err)
	}
	return n
}

// auditOf returns the actions audited for a household, oldest first.
func (f *rtFixture) auditOf(tb testing.TB, ref string) []string {
	tb.Helper()
	q := "SELECT action FROM audit_log WHERE entity = 'household' AND entity_id = ? ORDER BY seq"
	if f.db.Dialect() == sqlstore.Postgres {
		q = "SELECT action FROM audit_log WHERE entity = 'household' AND entity_id = $1 ORDER BY seq"
	}
	rows, err := f.db.SQL().Query(q, ref)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		out = append(out, a)
	}
	return out
}

// verifyAudit checks that the audit chain holds.
func (f *rtFixture) verifyAudit(tb testing.TB) {
	tb.Helper()
	brk, n, err := audit.Verify(context.Background(), f.db)
	if err != nil || brk != nil {
		tb.Fatalf("audit chain after %d entries: %v %+v", n, err, brk)
	}
}

// measures returns cn-2020's measures of region, as the administrator.
func (f *rtFixture) measures(tb testing.TB, region string) *analytics.Result {
	tb.Helper()
	r, err := f.an.Measures(rtAdmin(), region, "cn-2020", 0)
	if err != nil {
		tb.Fatalf("measures %s: %v", region, err)
	}
	return r
}

// wantErr checks an error's code and field.
func wantErr(tb testing.TB, what string, err error, code, field string) {
	tb.Helper()
	if tide.ErrorCode(err) != code || tide.ErrorField(err) != field {
		tb.Errorf("%s: got %v (code %q, field %q), want code %q field %q", what, err, tide.ErrorCode(err), tide.ErrorField(err), code, field)
	}
}

// exitFully takes a household through the whole exit workflow: proposed by
// the registrar, reviewed, checked and posted, approved once the posting
// has ended.
func (f *rtFixture) exitFully(tb testing.TB, ref string) {
	tb.Helper()
	steps := []struct {
		ctx  context.Context
		step string
	}{{rtRegistrar, "review"}, {rtOfficer1, "check"}, {rtOfficer1, "approve"}}
	if _, err := f.svc.ProposeExit(rtRegistrar, ref, "申请脱贫"); err != nil {
		tb.Fatalf("propose: %v", err)
	}
	for _, st := range steps {
		if st.step == "approve" {
			f.now = f.now.Add(time.Duration(f.svc.PostingDays)*24*time.Hour + time.Minute)
		}
		if _, err := f.svc.AdvanceExit(st.ctx, ref, st.step, ""); err != nil {
			tb.Fatalf("%s: %v", st.step, err)
		}
	}
}
