package engage_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

func TestNeedValidate(t *testing.T) {
	ok := func() engage.Need {
		return engage.Need{Kind: engage.ForVillage, Region: village, Title: "Roof", Amount: 100, Currency: "CNY"}
	}
	for _, tc := range []struct {
		name  string
		edit  func(n *engage.Need)
		field string
	}{
		{"Valid", func(n *engage.Need) {}, ""},
		{"ErrKind", func(n *engage.Need) { n.Kind = "farm" }, "kind"},
		{"ErrHouseholdMissing", func(n *engage.Need) { n.Kind = engage.ForHousehold }, "household"},
		{"ErrHouseholdOnVillage", func(n *engage.Need) { n.Household = "H1" }, "household"},
		{"ErrTitleEmpty", func(n *engage.Need) { n.Title = "  " }, "title"},
		{"ErrTitleLong", func(n *engage.Need) { n.Title = strings.Repeat("a", engage.MaxTitle+1) }, "title"},
		{"ErrDescriptionLong", func(n *engage.Need) { n.Description = strings.Repeat("a", engage.MaxDescription+1) }, "description"},
		{"ErrRefInText", func(n *engage.Need) {
			n.Kind, n.Household, n.Description = engage.ForHousehold, "H-77", "for H-77"
		}, "description"},
		{"ErrAmountZero", func(n *engage.Need) { n.Amount = 0 }, "amount"},
		{"ErrAmountHuge", func(n *engage.Need) { n.Amount = engage.MaxAmount + 1 }, "amount"},
		{"ErrCurrency", func(n *engage.Need) { n.Currency = "yuan" }, "currency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := ok()
			tc.edit(&n)
			err := n.Validate()
			var e *tide.Error
			if tc.field == "" && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if tc.field != "" && (err == nil || !errors.As(err, &e) || e.Field != tc.field || e.Code != tide.EINVALID) {
				t.Fatalf("Validate() = %v, want EINVALID on %s", err, tc.field)
			}
		})
	}
}

func TestNeedScope(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		n := &engage.Need{Kind: engage.ForHousehold, Region: village, Household: b.household, Title: "School bag",
			Description: "A bag and books for the youngest child", Amount: 15000, Currency: "CNY"}
		if err := b.svc.CreateNeed(as(donor(9)), n); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("the public posts a need: %v, want EFORBIDDEN", err)
		}
		if err := b.svc.CreateNeed(as(county2), n); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("another county posts a need: %v, want EINVALID", err)
		}
		other := *n
		other.Region = "522602100201"
		if err := b.svc.CreateNeed(as(admin), &other); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("a household in another village: %v, want EINVALID", err)
		}
		if err := b.svc.CreateNeed(as(school), n); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("a school posts a household need: %v, want EINVALID", err)
		}
		if err := b.svc.CreateNeed(as(registrar), n); err != nil {
			t.Fatalf("registrar posts: %v", err)
		}
		if _, err := b.svc.ApproveNeed(as(county2), n.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another county approves: %v, want ENOTFOUND", err)
		}
		if _, err := b.svc.ApproveNeed(as(registrar), n.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("a registrar approves: %v, want ENOTFOUND", err)
		}
		if _, err := b.svc.Donate(as(donor(9)), n.ID, 100); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("donate to a pending need: %v, want ENOTFOUND", err)
		}
		got, err := b.svc.ApproveNeed(as(county1), n.ID)
		if err != nil || got.State != engage.NeedApproved {
			t.Fatalf("county approves: %+v, %v", got, err)
		}
		if _, err := b.svc.ApproveNeed(as(county1), n.ID); tide.ErrorCode(err) != tide.ECONFLICT {
			t.Errorf("approve twice: %v, want ECONFLICT", err)
		}
		entries, _, err := db.FindAuditEntries(context.Background(), audit.Filter{Entity: "need", EntityID: n.ID, Limit: 10})
		if err != nil || len(entries) != 2 || entries[0].Action != "approve" || entries[0].Actor != "county1" {
			t.Errorf("audit of the need = %+v, %v; want create then approve by county1", entries, err)
		}
	})
}

func TestPublicNeedHidesHousehold(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		n := &engage.Need{Kind: engage.ForHousehold, Region: village, Household: b.household, Title: "Roof",
			Description: "Tiles for a leaking roof", Amount: 50000, Currency: "CNY"}
		if err := b.svc.CreateNeed(as(registrar), n); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.PublicNeed(context.Background(), n.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("public read of a pending need: %v, want ENOTFOUND", err)
		}
		if _, err := b.svc.ApproveNeed(as(county1), n.ID); err != nil {
			t.Fatal(err)
		}
		b.give(t, 10, n.ID, 20000)
		one, err := b.svc.PublicNeed(context.Background(), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		list, total, err := b.svc.PublicNeeds(context.Background(), engage.NeedFilter{Limit: 10})
		if err != nil || total != 1 {
			t.Fatalf("public needs: %d, %v", total, err)
		}
		for name, v := range map[string]any{"one": one, "list": list} {
			raw, _ := json.Marshal(v)
			for _, secret := range []string{b.household, "Li Hua", `"household":`, "created_by"} {
				if strings.Contains(string(raw), secret) {
					t.Errorf("public %s shows %q: %s", name, secret, raw)
				}
			}
		}
		if one.Region != village || one.In != 20000 || one.Out != 0 || one.Remaining != 30000 {
			t.Errorf("public figures = region %s in %d out %d remaining %d; want %s 20000 0 30000", one.Region, one.In, one.Out, one.Remaining, village)
		}
		full, err := b.svc.FindNeed(as(county1), n.ID)
		if err != nil || full.Household != b.household {
			t.Errorf("official read = %+v, %v; want the household", full, err)
		}
		if _, err := b.svc.FindNeed(as(county2), n.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another county reads in full: %v, want ENOTFOUND", err)
		}
	})
}
