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

func TestAssistMany(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		a, b, c := rtHousehold(rtVillage1, 3000, 2), rtHousehold(rtVillage1, 3000, 3), rtHousehold(rtVillage2, 3000, 1)
		f.create(t, a, b, c)
		if _, err := f.svc.Assist(rtRegistrar, c.Ref, registry.Assistance{Kind: "health", Date: "2026-01-05"}); err != nil {
			t.Fatal(err)
		}
		entries := f.count(t, "audit_log")
		bad := []registry.Assistance{{Household: a.Ref, Kind: "industry", Date: "2026-02-01"}, {Household: b.Ref, Kind: "gifts", Date: "2026-02-01"}}
		wantErr(t, "bad kind", f.svc.AssistMany(rtRegistrar, bad), tide.EINVALID, "measures[1].kind")
		gone := []registry.Assistance{{Household: a.Ref, Kind: "industry", Date: "2026-02-01"}, {Household: "nosuch", Kind: "industry", Date: "2026-02-01"}}
		wantErr(t, "unknown household", f.svc.AssistMany(rtRegistrar, gone), tide.ENOTFOUND, "measures[1]")
		if err := f.svc.AssistMany(rtAnalyst, bad[:1]); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("analyst: %v, want forbidden", err)
		}
		if n := f.count(t, "assistance"); n != 1 || f.count(t, "audit_log") != entries {
			t.Fatalf("refused batches wrote %d measures", n-1)
		}

		f.now = f.now.Add(time.Hour)
		err := f.svc.AssistMany(rtRegistrar, []registry.Assistance{
			{Household: a.Ref, Kind: "industry", Cost: 500000, Date: "2026-02-01"},
			{Household: b.Ref, Kind: "education", Cost: 200000, Date: "2026-02-02"},
			{Household: a.Ref, Kind: "employment", Cost: 100000, Date: "2026-02-03"},
			{Household: c.Ref, Kind: "industry", Cost: 300000, Date: "2026-02-04"},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			h        *registry.Household
			measures int
			audit    []string
		}{
			{a, 2, []string{"create", "assist", "assist"}},
			{b, 1, []string{"create", "assist"}},
			{c, 2, []string{"create", "assist", "assist"}},
		} {
			got, _ := f.svc.Find(rtRegistrar, tc.h.Ref)
			list, _ := f.svc.AssistanceOf(rtRegistrar, tc.h.Ref)
			hist, _ := f.svc.History(rtRegistrar, tc.h.Ref)
			if got.Status != registry.Assisted || len(list) != tc.measures || len(hist) != 1 {
				t.Errorf("household %s: %s with %d measures and history %+v", tc.h.Ref, got.Status, len(list), hist)
			}
			if got := f.auditOf(t, tc.h.Ref); !slices.Equal(got, tc.audit) {
				t.Errorf("audit of %s: %v, want %v", tc.h.Ref, got, tc.audit)
			}
		}
		if hist, _ := f.svc.History(rtRegistrar, a.Ref); !hist[0].At.Equal(f.now) || hist[0].Reason != "assistance: industry" {
			t.Errorf("history %+v", hist)
		}
		// The index still counts every person of the moved households.
		if r := f.measures(t, rtCounty1); r.Persons != 6 || r.Households != 3 {
			t.Errorf("measures after the batch %+v", r.Result)
		}
		f.verifyAudit(t)
	})
}

func TestExitBatches(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		var hs []*registry.Household
		for i := range 4 {
			hs = append(hs, rtHousehold([]string{rtVillage1, rtVillage2}[i%2], 5000, 1+i))
		}
		poor := rtHousehold(rtVillage1, 3500, 2)
		f.create(t, append(hs, poor)...)
		refs := []string{hs[0].Ref, hs[1].Ref, hs[2].Ref, hs[3].Ref}

		_, err := f.svc.ProposeExits(rtRegistrar, append(slices.Clone(refs), poor.Ref), "")
		wantErr(t, "one household below the line", err, tide.EINVALID, "households[4].household")
		if !strings.Contains(tide.ErrorMessage(err), poor.Ref) || !strings.Contains(tide.ErrorMessage(err), "below the line") {
			t.Errorf("message %q should name the household and the criterion", tide.ErrorMessage(err))
		}
		_, err = f.svc.ProposeExits(rtRegistrar, []string{refs[0], refs[0]}, "")
		wantErr(t, "twice", err, tide.EINVALID, "households[1]")
		if n := f.count(t, "exits"); n != 0 {
			t.Fatalf("refused batches opened %d exits", n)
		}
		es, err := f.svc.ProposeExits(rtRegistrar, refs, "村两委提名")
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range es {
			if e.ID == 0 || e.Household != refs[i] || e.Stage != registry.StageProposed {
				t.Errorf("exit %d: %+v", i, e)
			}
		}
		_, err = f.svc.ProposeExits(rtRegistrar, refs[:1], "")
		wantErr(t, "already under way", err, tide.ECONFLICT, "households[0]")

		_, err = f.svc.AdvanceExits(rtOfficer1, refs, "review", "")
		wantErr(t, "officer reviews", err, tide.EFORBIDDEN, "households[0]")
		_, err = f.svc.AdvanceExits(rtRegistrar, refs, "check", "")
		wantErr(t, "registrar checks", err, tide.EFORBIDDEN, "households[0]")
		if _, err := f.svc.AdvanceExits(rtRegistrar, refs[:2], "review", ""); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AdvanceExits(rtOfficer1, refs, "check", "")
		wantErr(t, "two not yet reviewed", err, tide.EINVALID, "households[2].step")
		if _, err := f.svc.AdvanceExits(rtRegistrar, refs[2:], "review", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AdvanceExits(rtOfficer1, refs, "check", "公示"); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AdvanceExits(rtOfficer1, refs, "approve", "")
		wantErr(t, "during the posting", err, tide.EINVALID, "households[0].step")
		_, err = f.svc.AdvanceExits(rtOfficer1, []string{poor.Ref}, "approve", "")
		wantErr(t, "no exit under way", err, tide.EINVALID, "households[0].step")

		f.now = f.now.Add(7*24*time.Hour + time.Second)
		es, err = f.svc.AdvanceExits(rtOfficer1, refs, "approve", "审定")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"create", "exit_propose", "exit_review", "exit_check", "exit_approve"}
		for i, ref := range refs {
			got, _ := f.svc.Find(rtOfficer1, ref)
			hist, _ := f.svc.History(rtOfficer1, ref)
			if got.Status != registry.Exited || es[i].Stage != registry.StageApproved || len(es[i].Steps) != 4 ||
				len(hist) != 1 || hist[0].To != registry.Exited || !hist[0].At.Equal(f.now) {
				t.Errorf("%s: %s, exit %+v, history %+v", ref, got.Status, es[i], hist)
			}
			if _, err := f.svc.OpenExit(rtOfficer1, ref); tide.ErrorCode(err) != tide.ENOTFOUND {
				t.Errorf("%s still has an open exit: %v", ref, err)
			}
			if got := f.auditOf(t, ref); !slices.Equal(got, want) {
				t.Errorf("audit of %s: %v, want %v", ref, got, want)
			}
		}
		if r := f.measures(t, rtCounty1); r.Persons != 12 {
			t.Errorf("persons after the batch %d, want 12", r.Persons)
		}
		f.verifyAudit(t)
	})
}

// pastExit returns the steps of an exit proposed at start and approved the
// day after a posting of days.
func pastExit(ref string, start time.Time, days int) registry.PastExit {
	return registry.PastExit{Household: ref, Steps: []registry.ExitStep{
		{Stage: registry.StageProposed, Actor: "村民委员会", At: start},
		{Stage: registry.StageVillageReviewed, Actor: "村民代表大会", At: start.Add(72 * time.Hour)},
		{Stage: registry.StagePosted, Actor: "乡镇人民政府", At: start.Add(9 * 24 * time.Hour)},
		{Stage: registry.StageApproved, Actor: "县扶贫开发领导小组", At: start.Add(time.Duration(10+days) * 24 * time.Hour)},
	}}
}

func TestRecordExits(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		h, poor := rtHousehold(rtVillage1, 6000, 3), rtHousehold(rtVillage1, 2000, 2)
		f.create(t, h, poor)
		start := f.now.AddDate(-1, 0, 0)
		good := pastExit(h.Ref, start, 7)

		if _, err := f.svc.RecordExits(rtOfficer1, []registry.PastExit{good}); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("an officer records: %v, want forbidden", err)
		}
		for _, tc := range []struct {
			name  string
			edit  func(pe *registry.PastExit)
			field string
		}{
			{"ErrStepsOutOfOrder", func(pe *registry.PastExit) { pe.Steps[1], pe.Steps[2] = pe.Steps[2], pe.Steps[1] }, "households[0].steps"},
			{"ErrApprovedDuringPosting", func(pe *registry.PastExit) { pe.Steps[3].At = pe.Steps[2].At.Add(24 * time.Hour) }, "households[0].steps"},
			{"ErrFutureStep", func(pe *registry.PastExit) { pe.Steps[3].At = f.now.Add(time.Hour) }, "households[0].steps"},
			{"ErrNoActor", func(pe *registry.PastExit) { pe.Steps[0].Actor = "" }, "households[0].steps"},
			{"ErrMissingStep", func(pe *registry.PastExit) { pe.Steps = pe.Steps[1:] }, "households[0].steps"},
			{"ErrAssessmentFails", func(pe *registry.PastExit) { pe.Household = poor.Ref }, "households[0].household"},
		} {
			pe := pastExit(h.Ref, start, 7)
			tc.edit(&pe)
			_, err := f.svc.RecordExits(rtAdmin(), []registry.PastExit{pe})
			wantErr(t, tc.name, err, tide.EINVALID, tc.field)
		}
		if n := f.count(t, "exits"); n != 0 {
			t.Fatalf("refused records wrote %d exits", n)
		}

		es, err := f.svc.RecordExits(rtAdmin(), []registry.PastExit{good})
		if err != nil {
			t.Fatal(err)
		}
		if es[0].ID == 0 || es[0].Stage != registry.StageApproved || !es[0].Assessment.Eligible || len(es[0].Steps) != 4 {
			t.Errorf("recorded exit %+v", es[0])
		}
		got, _ := f.svc.Find(rtOfficer1, h.Ref)
		hist, _ := f.svc.History(rtOfficer1, h.Ref)
		approved := good.Steps[3]
		if got.Status != registry.Exited || len(hist) != 1 || !hist[0].At.Equal(approved.At) || hist[0].Actor != approved.Actor {
			t.Errorf("after recording: %s, history %+v", got.Status, hist)
		}
		if _, err := f.svc.OpenExit(rtOfficer1, h.Ref); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("a recorded exit is closed: %v", err)
		}
		if got := f.auditOf(t, h.Ref); !slices.Equal(got, []string{"create", "exit_record"}) {
			t.Errorf("audit %v", got)
		}
		if _, err := f.svc.RecordExits(rtAdmin(), []registry.PastExit{good}); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("recording an exited household again: %v, want invalid", err)
		}
		f.verifyAudit(t)
	})
}

// TestScreenWalksEveryPage screens more exited households than one page
// holds and lists exactly those a rule flags.
func TestScreenWalksEveryPage(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		var hs []*registry.Household
		var past []registry.PastExit
		var low []string
		for i := range 1100 {
			yuan := int64(9000)
			if i%37 == 0 {
				yuan = 4500 // exited, but under 1.5 × the line
			}
			h := rtHousehold([]string{rtVillage1, rtVillage2, rtVillage3}[i%3], yuan, 1+i%3)
			hs = append(hs, h)
		}
		f.create(t, hs...)
		for i, h := range hs {
			past = append(past, pastExit(h.Ref, f.now.AddDate(-1, 0, 0), 7))
			if i%37 == 0 && h.Village != rtVillage3 {
				low = append(low, h.Ref)
			}
		}
		if _, err := f.svc.RecordExits(rtAdmin(), past); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.Screen(rtOfficer1, rtCounty1)
		if err != nil || n != len(low) {
			t.Fatalf("screen flagged %d (%v), want %d", n, err, len(low))
		}
		var listed []string
		for offset := 0; ; offset += 10 {
			ws, _, err := f.svc.Watches(rtOfficer1, "", true, offset, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) == 0 {
				break
			}
			for _, w := range ws {
				listed = append(listed, w.Household)
			}
		}
		slices.Sort(listed)
		slices.Sort(low)
		if !slices.Equal(listed, low) {
			t.Errorf("listed %d households, want the %d under 6,000 yuan in county 1", len(listed), len(low))
		}
		counts, _ := f.svc.CountByStatus(rtOfficer1, rtCounty1)
		if counts[registry.Monitored] != len(low) {
			t.Errorf("counts %v", counts)
		}
		if r := f.measures(t, "90"); r.Households != 1100 {
			t.Errorf("index holds %d households", r.Households)
		}
		f.verifyAudit(t)
		t.Logf("%d households screened, %d flagged", len(hs), n)
	})
}
