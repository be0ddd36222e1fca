package registry_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// statusPath returns the statuses a household moved to, oldest first.
func statusPath(tb testing.TB, f *rtFixture, ref string) []registry.Status {
	tb.Helper()
	hist, err := f.svc.History(rtAdmin(), ref)
	if err != nil {
		tb.Fatal(err)
	}
	var out []registry.Status
	for i, sc := range hist {
		if i > 0 && sc.From != hist[i-1].To {
			tb.Errorf("history of %s breaks at %d: %+v", ref, i, hist)
		}
		out = append(out, sc.To)
	}
	return out
}

func TestAssistanceMovesIdentifiedToAssisted(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		h := rtHousehold(rtVillage1, 3000, 2)
		f.create(t, h)
		for _, tc := range []struct {
			in    registry.Assistance
			field string
		}{
			{registry.Assistance{Kind: "loans", Date: "2026-01-01"}, "kind"},
			{registry.Assistance{Kind: "industry", Date: "2026-13-01"}, "date"},
			{registry.Assistance{Kind: "industry", Date: "1 May"}, "date"},
			{registry.Assistance{Kind: "industry", Date: "2026-01-01", Cost: -5}, "cost"},
		} {
			_, err := f.svc.Assist(rtRegistrar, h.Ref, tc.in)
			wantErr(t, "assist "+tc.field, err, tide.EINVALID, tc.field)
		}
		if _, err := f.svc.Assist(rtAnalyst, h.Ref, registry.Assistance{Kind: "industry", Date: "2026-01-01"}); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("analyst assists: %v, want forbidden", err)
		}
		a, err := f.svc.Assist(rtRegistrar, h.Ref, registry.Assistance{Kind: "industry", Description: "能繁母牛1头", Cost: 800000, Date: "2026-02-10"})
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == 0 || a.Actor != "registrar1" || !a.CreatedAt.Equal(f.now) {
			t.Errorf("measure %+v", a)
		}
		if _, err := f.svc.Assist(rtOfficer1, h.Ref, registry.Assistance{Kind: "health", Cost: 120000, Date: "2026-02-20"}); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Find(rtRegistrar, h.Ref)
		if got.Status != registry.Assisted {
			t.Errorf("status %s, want assisted", got.Status)
		}
		hist, _ := f.svc.History(rtRegistrar, h.Ref)
		if len(hist) != 1 || hist[0].From != registry.Identified || hist[0].To != registry.Assisted ||
			hist[0].Reason != "assistance: industry" || hist[0].Actor != "registrar1" {
			t.Errorf("history %+v, want one move identified → assisted", hist)
		}
		list, err := f.svc.AssistanceOf(rtRegistrar, h.Ref)
		if err != nil || len(list) != 2 || list[0].Kind != "industry" || list[1].Cost != 120000 {
			t.Errorf("measures %+v %v", list, err)
		}
		if got := f.auditOf(t, h.Ref); !slices.Equal(got, []string{"create", "assist", "assist"}) {
			t.Errorf("audit %v", got)
		}
		f.verifyAudit(t)
	})
}

func TestExitWorkflow(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		poor := rtHousehold(rtVillage1, 3000, 3)
		unsafe := rtHousehold(rtVillage1, 6000, 2)
		unsafe.Indicators["safe_housing"] = 0
		h := rtHousehold(rtVillage1, 5200, 3)
		f.create(t, poor, unsafe, h)

		t.Run("RefusedWhenAssessmentFails", func(t *testing.T) {
			_, err := f.svc.ProposeExit(rtRegistrar, poor.Ref, "")
			wantErr(t, "income below the line", err, tide.EINVALID, "household")
			if msg := tide.ErrorMessage(err); !strings.Contains(msg, "income per person 3,000.00 below the line 4,000.00") {
				t.Errorf("message %q does not name the unmet criterion", msg)
			}
			_, err = f.svc.ProposeExit(rtRegistrar, unsafe.Ref, "")
			if msg := tide.ErrorMessage(err); tide.ErrorCode(err) != tide.EINVALID || !strings.Contains(msg, "safe_housing: not met") ||
				strings.Contains(msg, "income") {
				t.Errorf("unsafe housing: %v, want a refusal naming safe_housing alone", err)
			}
		})

		if _, err := f.svc.Assist(rtRegistrar, h.Ref, registry.Assistance{Kind: "employment", Cost: 150000, Date: "2026-02-01"}); err != nil {
			t.Fatal(err)
		}
		before := f.measures(t, rtCounty1)
		if _, err := f.svc.ProposeExit(rtAnalyst, h.Ref, ""); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("analyst proposes: %v, want forbidden", err)
		}
		e, err := f.svc.ProposeExit(rtRegistrar, h.Ref, "农户申请")
		if err != nil {
			t.Fatal(err)
		}
		if e.Stage != registry.StageProposed || !e.Assessment.Eligible || len(e.Steps) != 1 {
			t.Errorf("proposed exit %+v", e)
		}
		if _, err := f.svc.ProposeExit(rtOfficer1, h.Ref, ""); tide.ErrorCode(err) != tide.ECONFLICT {
			t.Errorf("second proposal: %v, want conflict", err)
		}

		for _, tc := range []struct{ name, step, code string }{
			{"ErrOfficerReviews", "review", tide.EFORBIDDEN},
			{"ErrApproveBeforeCheck", "approve", tide.EINVALID},
			{"ErrCheckBeforeReview", "check", tide.EINVALID},
			{"ErrUnknownStep", "publish", tide.EINVALID},
		} {
			_, err := f.svc.AdvanceExit(rtOfficer1, h.Ref, tc.step, "")
			if tide.ErrorCode(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		if _, err := f.svc.AdvanceExit(rtRegistrar, h.Ref, "review", "评议通过"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AdvanceExit(rtRegistrar, h.Ref, "check", ""); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("registrar checks: %v, want forbidden", err)
		}
		if _, err := f.svc.AdvanceExit(rtRegistrar, h.Ref, "review", ""); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("review twice: %v, want invalid", err)
		}
		checkedAt := f.now
		e, err = f.svc.AdvanceExit(rtOfficer1, h.Ref, "check", "公示")
		if err != nil {
			t.Fatal(err)
		}
		if want := checkedAt.Add(7 * 24 * time.Hour); e.Stage != registry.StagePosted || !e.PostingEnds.Equal(want) {
			t.Errorf("posted: stage %s, posting ends %v, want %v", e.Stage, e.PostingEnds, want)
		}
		f.now = f.now.Add(6 * 24 * time.Hour)
		_, err = f.svc.AdvanceExit(rtOfficer1, h.Ref, "approve", "")
		wantErr(t, "approve during the posting", err, tide.EINVALID, "step")
		if !strings.Contains(tide.ErrorMessage(err), "posting runs until") {
			t.Errorf("message %q", tide.ErrorMessage(err))
		}
		f.now = f.now.Add(24*time.Hour + time.Minute)
		e, err = f.svc.AdvanceExit(rtOfficer1, h.Ref, "approve", "审定")
		if err != nil {
			t.Fatal(err)
		}
		if e.Stage != registry.StageApproved || len(e.Steps) != 4 {
			t.Errorf("approved exit %+v", e)
		}
		got, _ := f.svc.Find(rtOfficer1, h.Ref)
		if got.Status != registry.Exited {
			t.Errorf("status %s, want exited", got.Status)
		}
		if path := statusPath(t, f, h.Ref); !slices.Equal(path, []registry.Status{registry.Assisted, registry.Exited}) {
			t.Errorf("history %v", path)
		}
		if _, err := f.svc.OpenExit(rtOfficer1, h.Ref); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("open exit after approval: %v, want not_found", err)
		}
		want := []string{"create", "assist", "exit_propose", "exit_review", "exit_check", "exit_approve"}
		if got := f.auditOf(t, h.Ref); !slices.Equal(got, want) {
			t.Errorf("audit of the household %v, want %v", got, want)
		}
		// An exit changes the household's status, not its income or
		// deprivations: the measures stay as they were.
		if after := f.measures(t, rtCounty1); after.Persons != before.Persons || after.P0 != before.P0 || after.MPI != before.MPI {
			t.Errorf("measures moved with the exit: %+v → %+v", before.Result, after.Result)
		}
		if _, err := f.svc.ProposeExit(rtRegistrar, h.Ref, ""); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("proposing an exited household: %v, want invalid", err)
		}
		f.verifyAudit(t)
	})
}

func TestRejectedExitCanBeProposedAgain(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		h := rtHousehold(rtVillage2, 5000, 2)
		f.create(t, h)
		if _, err := f.svc.ProposeExit(rtRegistrar, h.Ref, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AdvanceExit(rtAnalyst, h.Ref, "reject", ""); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("analyst rejects: %v, want forbidden", err)
		}
		if e, err := f.svc.AdvanceExit(rtOfficer1, h.Ref, "reject", "收入不稳定"); err != nil || e.Stage != registry.StageRejected {
			t.Fatalf("reject: %v %+v", err, e)
		}
		if got, _ := f.svc.Find(rtOfficer1, h.Ref); got.Status != registry.Identified {
			t.Errorf("status after rejection %s", got.Status)
		}
		if _, err := f.svc.ProposeExit(rtRegistrar, h.Ref, ""); err != nil {
			t.Errorf("propose after rejection: %v", err)
		}
	})
}

func TestMonitoringScreenAndFollowUp(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		h := rtHousehold(rtVillage1, 8000, 3)
		steady := rtHousehold(rtVillage1, 9000, 2)
		f.create(t, h, steady)
		f.exitFully(t, h.Ref)
		f.exitFully(t, steady.Ref)

		if _, err := f.svc.Screen(rtRegistrar, rtCounty1); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("registrar screens: %v, want forbidden", err)
		}
		if _, err := f.svc.Screen(rtOfficer1, rtCounty2); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("screening another county: %v, want not_found", err)
		}
		if n, err := f.svc.Screen(rtOfficer1, rtCounty1); err != nil || n != 0 {
			t.Fatalf("screen of stable households flagged %d (%v)", n, err)
		}

		// The household's income falls to 5,000 yuan: above the line, below
		// 1.5 × the line.
		before := f.measures(t, rtVillage1)
		cur, err := f.svc.Find(rtOfficer1, h.Ref)
		if err != nil {
			t.Fatal(err)
		}
		cur.IncomePerPerson, cur.LastYearIncome = 500000, 560000
		if _, err := f.svc.Update(rtOfficer1, h.Ref, cur); err != nil {
			t.Fatal(err)
		}
		if after := f.measures(t, rtVillage1); after.P0 != before.P0 || after.Persons != before.Persons || after.P1 != before.P1 {
			t.Errorf("5,000 yuan is above the line: measures moved %+v → %+v", before.Result, after.Result)
		}
		n, err := f.svc.Screen(rtOfficer1, rtCounty1)
		if err != nil || n != 1 {
			t.Fatalf("screen flagged %d (%v), want 1", n, err)
		}
		got, _ := f.svc.Find(rtOfficer1, h.Ref)
		hist, _ := f.svc.History(rtOfficer1, h.Ref)
		last := hist[len(hist)-1]
		if got.Status != registry.Monitored || last.To != registry.Monitored || !strings.Contains(last.Reason, "below 1.5 × the line") {
			t.Errorf("after the screen: status %s, last move %+v", got.Status, last)
		}
		ws, total, err := f.svc.Watches(rtOfficer1, "", true, 0, 10)
		if err != nil || total != 1 || ws[0].Household != h.Ref || ws[0].Reasons[0].Code != "low_income" || ws[0].Stage != registry.WatchFlagged {
			t.Fatalf("monitoring list %+v (%d, %v)", ws, total, err)
		}
		if n, _ := f.svc.Screen(rtOfficer1, rtCounty1); n != 0 {
			t.Errorf("a second screen listed %d again", n)
		}
		if _, err := f.svc.WorkWatch(rtRegistrar, h.Ref, "visit", ""); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("registrar works the list: %v, want forbidden", err)
		}
		if _, err := f.svc.WorkWatch(rtOfficer1, steady.Ref, "visit", ""); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("working a household not on the list: %v, want invalid", err)
		}
		if w, err := f.svc.WorkWatch(rtOfficer1, h.Ref, "visit", "入户核实"); err != nil || w.Stage != registry.WatchVisited {
			t.Fatalf("visit: %v %+v", err, w)
		}
		if _, err := f.svc.WorkWatch(rtOfficer1, h.Ref, "clear", "稳定"); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Find(rtOfficer1, h.Ref); got.Status != registry.Exited {
			t.Errorf("cleared: status %s, want exited", got.Status)
		}

		// Still under 1.5 × the line: the next screen lists it again, and
		// this time it has fallen back.
		if n, _ := f.svc.Screen(rtOfficer1, rtCounty1); n != 1 {
			t.Fatalf("second screen flagged %d, want 1", n)
		}
		if w, err := f.svc.WorkWatch(rtOfficer1, h.Ref, "return", "因病返贫"); err != nil || w.Stage != registry.WatchReturned {
			t.Fatalf("return: %v %+v", err, w)
		}
		want := []registry.Status{registry.Exited, registry.Monitored, registry.Exited, registry.Monitored, registry.Returned}
		if path := statusPath(t, f, h.Ref); !slices.Equal(path, want) {
			t.Errorf("history %v, want %v", path, want)
		}
		if ws, total, _ := f.svc.Watches(rtOfficer1, "", true, 0, 10); total != 0 {
			t.Errorf("open cases after the return: %+v", ws)
		}
		// A returned household is poor again and may leave again.
		if _, err := f.svc.ProposeExit(rtRegistrar, h.Ref, ""); err != nil {
			t.Errorf("propose after return: %v", err)
		}
		f.verifyAudit(t)
	})
}

// TestMeasuresFollowTheRegistry: the index answers for the registry as it
// is, moment by moment.
func TestMeasuresFollowTheRegistry(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		empty := f.measures(t, rtCounty1)
		if empty.Persons != 0 || empty.Households != 0 {
			t.Fatalf("empty county measures %+v", empty.Result)
		}
		poor := rtHousehold(rtVillage1, 2000, 3)      // half the line
		better := rtHousehold(rtVillage2, 8000, 1)    // above it
		elsewhere := rtHousehold(rtVillage3, 1000, 2) // another county
		f.create(t, poor, better, elsewhere)
		r := f.measures(t, rtCounty1)
		if r.Persons != 4 || r.Households != 2 || r.P0 != 0.75 || r.P1 != 0.375 {
			t.Errorf("after create: %+v, want 4 persons, P0 0.75, P1 0.375", r.Result)
		}
		if len(r.Children) != 1 || r.Children[0].Region != rtTownship1 {
			t.Errorf("children %+v", r.Children)
		}

		cur, _ := f.svc.Find(rtRegistrar, poor.Ref)
		cur.IncomePerPerson = 500000
		cur.Indicators["safe_housing"] = 0
		cur.Members = cur.Members[:2]
		if _, err := f.svc.Update(rtRegistrar, poor.Ref, cur); err != nil {
			t.Fatal(err)
		}
		r = f.measures(t, rtCounty1)
		if r.Persons != 3 || r.P0 != 0 || r.MPI.H != 2.0/3 {
			t.Errorf("after update: %+v, want 3 persons, P0 0, H 2/3", r.Result)
		}
		high, err := f.an.Measures(rtAdmin(), rtCounty1, "cn-2020", 600000)
		if err != nil || high.P0 != 2.0/3 {
			t.Errorf("with a 6,000-yuan line: %+v %v, want P0 2/3", high, err)
		}
		f.exitFully(t, better.Ref)
		if after := f.measures(t, rtCounty1); after.Persons != r.Persons || after.P0 != r.P0 || after.MPI != r.MPI {
			t.Errorf("the exit moved the measures: %+v → %+v", r.Result, after.Result)
		}
		if _, err := f.an.Measures(rtOfficer1, rtCounty2, "cn-2020", 0); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("measures of another county: %v, want not_found", err)
		}
	})
}
