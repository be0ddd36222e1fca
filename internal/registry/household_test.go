package registry_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

func TestHouseholdCreateFindList(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		a, b, c := rtHousehold(rtVillage1, 3000, 3), rtHousehold(rtVillage1, 5000, 2), rtHousehold(rtVillage2, 3500, 4)
		a.Members[1].Name, a.Members[0].Phone = "张秀英", "+86 139-0000-1111"
		other := rtHousehold(rtVillage3, 2000, 1)
		f.create(t, a, b, c, other)
		for _, h := range []*registry.Household{a, b, c, other} {
			if h.Ref == "" || h.ID == 0 || h.Status != registry.Identified {
				t.Fatalf("created household: ref %q id %d status %q", h.Ref, h.ID, h.Status)
			}
		}

		got, err := f.svc.Find(rtRegistrar, a.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if got.Village != rtVillage1 || got.IncomePerPerson != 300000 || len(got.Members) != 3 || got.Cadre.Name != "李伟" {
			t.Errorf("found %+v", got)
		}
		for i, m := range got.Members {
			if m.IDNumber != a.Members[i].IDNumber || m.Name != a.Members[i].Name || m.Relation != a.Members[i].Relation {
				t.Errorf("member %d: got %+v, want %+v", i, m, a.Members[i])
			}
		}
		if got.Indicators["safe_housing"] != 1 || got.Indicators["years_of_schooling"] != 9 {
			t.Errorf("indicators %v", got.Indicators)
		}

		refs := func(list []*registry.Household) []string {
			out := make([]string, len(list))
			for i, h := range list {
				out[i] = h.Ref
			}
			return out
		}
		for _, tc := range []struct {
			name   string
			filter registry.Filter
			want   []string
		}{
			{"Scope", registry.Filter{}, []string{c.Ref, b.Ref, a.Ref}}, // newest first; not county 2's
			{"Village", registry.Filter{Prefix: rtVillage1}, []string{b.Ref, a.Ref}},
			{"WiderThanScope", registry.Filter{Prefix: rtCounty1}, []string{c.Ref, b.Ref, a.Ref}},
			{"BesideScope", registry.Filter{Prefix: rtCounty2}, []string{}},
			{"Name", registry.Filter{Name: "秀英"}, []string{a.Ref}},
			{"Phone", registry.Filter{Phone: "13900001111"}, []string{a.Ref}},
			{"IDNumber", registry.Filter{IDNumber: c.Members[2].IDNumber}, []string{c.Ref}},
			{"Status", registry.Filter{Status: registry.Assisted}, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				list, total, err := f.svc.List(rtRegistrar, tc.filter)
				if err != nil {
					t.Fatal(err)
				}
				if got := refs(list); !slices.Equal(got, tc.want) || total != len(tc.want) {
					t.Errorf("got %v (total %d), want %v", got, total, tc.want)
				}
			})
		}
		t.Run("Paging", func(t *testing.T) {
			var seen []string
			for offset := 0; offset < 4; offset += 2 {
				list, total, err := f.svc.List(rtAdmin(), registry.Filter{Offset: offset, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
				if total != 4 || len(list) != 2 {
					t.Fatalf("offset %d: %d households of total %d, want 2 of 4", offset, len(list), total)
				}
				seen = append(seen, refs(list)...)
			}
			if want := []string{other.Ref, c.Ref, b.Ref, a.Ref}; !slices.Equal(seen, want) {
				t.Errorf("pages %v, want %v", seen, want)
			}
		})
		_, _, err = f.svc.List(rtRegistrar, registry.Filter{Status: "gone"})
		wantErr(t, "unknown status", err, tide.EINVALID, "status")
		f.verifyAudit(t)
	})
}

// TestIDNumbersSealedAtRest reads the members table past the store: no
// column holds an ID number, yet the number finds its household.
func TestIDNumbersSealedAtRest(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		h := rtHousehold(rtVillage1, 3000, 3)
		first := "90010119800101123"
		h.Members[2].IDNumber = first + string(registry.ChineseIDCheck(first))
		for registry.ChineseIDCheck(first) != 'X' { // a number ending in X, searched for in lower case
			first = first[:14] + string(rune('0'+(first[14]-'0'+1)%10)) + first[15:]
			h.Members[2].IDNumber = first + "X"
		}
		f.create(t, h)
		rows, err := db.SQL().Query("SELECT name, id_sealed, COALESCE(id_hash, ''), phone FROM members")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var name, sealed, hash, phone string
			if err := rows.Scan(&name, &sealed, &hash, &phone); err != nil {
				t.Fatal(err)
			}
			n++
			for _, m := range h.Members {
				for col, v := range map[string]string{"name": name, "id_sealed": sealed, "id_hash": hash, "phone": phone} {
					if strings.Contains(v, m.IDNumber) || strings.Contains(v, m.IDNumber[6:14]+m.IDNumber[14:17]) {
						t.Errorf("members.%s holds ID number %s: %q", col, m.IDNumber, v)
					}
				}
			}
			if sealed == "" || hash == "" {
				t.Errorf("member %s has no sealed number or hash", name)
			}
		}
		rows.Close()
		if n != 3 {
			t.Fatalf("read %d members, want 3", n)
		}
		var after string
		if err := db.SQL().QueryRow("SELECT after FROM audit_log WHERE action = 'create' AND entity = 'household'").Scan(&after); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(after, h.Members[0].IDNumber) || !strings.Contains(after, registry.MaskID(h.Members[0].IDNumber)) {
			t.Errorf("the audit entry should hold the masked number only: %s", after)
		}
		list, _, err := f.svc.List(rtRegistrar, registry.Filter{IDNumber: strings.ToLower(h.Members[2].IDNumber)})
		if err != nil || len(list) != 1 || list[0].Ref != h.Ref {
			t.Fatalf("search by ID number: %v, %d households", err, len(list))
		}
		if got := list[0].Members[2].IDNumber; got != h.Members[2].IDNumber {
			t.Errorf("ID number read back %q, want %q", got, h.Members[2].IDNumber)
		}
	})
}

func TestIDNumbersMaskedForAnalysts(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		h := rtHousehold(rtVillage1, 3000, 2)
		h.Members[0].Phone = "13912345678"
		f.create(t, h)
		full, err := f.svc.Find(rtRegistrar, h.Ref)
		if err != nil {
			t.Fatal(err)
		}
		masked, err := f.svc.Find(rtAnalyst, h.Ref)
		if err != nil {
			t.Fatal(err)
		}
		list, _, err := f.svc.List(rtAnalyst, registry.Filter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("analyst list: %v", err)
		}
		for i, m := range h.Members {
			if full.Members[i].IDNumber != m.IDNumber {
				t.Errorf("registrar sees %q, want %q", full.Members[i].IDNumber, m.IDNumber)
			}
			for _, got := range []registry.Member{masked.Members[i], list[0].Members[i]} {
				if got.IDNumber != registry.MaskID(m.IDNumber) || !strings.Contains(got.IDNumber, "*") {
					t.Errorf("analyst sees %q, want %q", got.IDNumber, registry.MaskID(m.IDNumber))
				}
			}
		}
		if masked.Members[0].Phone != "*******5678" || full.Members[0].Phone != "13912345678" {
			t.Errorf("phones: analyst %q, registrar %q", masked.Members[0].Phone, full.Members[0].Phone)
		}
		if _, err := f.svc.Update(rtAnalyst, h.Ref, masked); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("analyst update: %v, want forbidden", err)
		}
	})
}

func TestDuplicateIDNumberIsRefused(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		first := rtHousehold(rtVillage1, 3000, 2)
		f.create(t, first)
		households, members, entries := f.count(t, "households"), f.count(t, "members"), f.count(t, "audit_log")

		dup := rtHousehold(rtVillage2, 3000, 3)
		dup.Members[2].IDNumber = first.Members[1].IDNumber
		err := f.svc.Create(rtRegistrar, dup)
		wantErr(t, "registered elsewhere", err, tide.ECONFLICT, "members[2].id_number")

		// With two members taken, the first in the household's order is
		// named, whatever order the store finds them in.
		both := rtHousehold(rtVillage2, 3000, 3)
		both.Members[1].IDNumber, both.Members[2].IDNumber = first.Members[1].IDNumber, first.Members[0].IDNumber
		wantErr(t, "two members taken", f.svc.Create(rtRegistrar, both), tide.ECONFLICT, "members[1].id_number")

		a, b := rtHousehold(rtVillage1, 3000, 1), rtHousehold(rtVillage2, 3000, 2)
		b.Members[1].IDNumber = a.Members[0].IDNumber
		err = f.svc.CreateMany(rtRegistrar, []*registry.Household{a, b}, nil)
		wantErr(t, "twice in one batch", err, tide.EINVALID, "members[1].id_number")

		twice := rtHousehold(rtVillage1, 3000, 2)
		twice.Members[1].IDNumber = twice.Members[0].IDNumber
		wantErr(t, "twice in a household", f.svc.Create(rtRegistrar, twice), tide.EINVALID, "members[1].id_number")

		if got := []int{f.count(t, "households"), f.count(t, "members"), f.count(t, "audit_log")}; !slices.Equal(got, []int{households, members, entries}) {
			t.Errorf("households, members, audit entries after refusals: %v, want %v", got, []int{households, members, entries})
		}

		upd := rtHousehold(rtVillage1, 3000, 2)
		f.create(t, upd)
		upd.Members[0].IDNumber = first.Members[0].IDNumber
		_, err = f.svc.Update(rtRegistrar, upd.Ref, upd)
		wantErr(t, "update to a registered number", err, tide.ECONFLICT, "members[0].id_number")
		f.verifyAudit(t)
	})
}

func TestValidationNamesTheField(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		badCheck := rtID(rtCounty1)
		badCheck = badCheck[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", badCheck[17])+1)%11])
		for _, tc := range []struct {
			name, field, message string
			edit                 func(h *registry.Household)
		}{
			{"ErrBirthDateNotReal", "members[0].birth_date", "not a real date", func(h *registry.Household) { h.Members[0].Birth = "1990-02-30" }},
			{"ErrBirthDateFormat", "members[1].birth_date", "YYYY-MM-DD", func(h *registry.Household) { h.Members[1].Birth = "12/05/1990" }},
			{"ErrBirthDateFuture", "members[0].birth_date", "in the past", func(h *registry.Household) { h.Members[0].Birth = "2030-01-01" }},
			{"ErrTwoHeads", "members", "exactly one head", func(h *registry.Household) { h.Members[1].Relation = "head" }},
			{"ErrNoHead", "members", "exactly one head", func(h *registry.Household) { h.Members[0].Relation = "child" }},
			{"ErrUnknownRelation", "members[1].relation", "relation must be one of", func(h *registry.Household) { h.Members[1].Relation = "cousin" }},
			{"ErrCheckDigit", "members[1].id_number", "check digit", func(h *registry.Household) { h.Members[1].IDNumber = badCheck }},
			{"ErrNoMembers", "members", "at least one member", func(h *registry.Household) { h.Members = nil }},
			{"ErrSex", "members[0].sex", "f, m or x", func(h *registry.Household) { h.Members[0].Sex = "q" }},
			{"ErrIncome", "shock_costs", "0 or more", func(h *registry.Household) { h.ShockCosts = -1 }},
			{"ErrVillageOutsideScope", "village", "not in your area", func(h *registry.Household) { h.Village = rtVillage3 }},
			{"ErrTownshipAsVillage", "village", "is a township, not a village", func(h *registry.Household) { h.Village = rtTownship1 }},
			{"ErrUnknownVillage", "village", "does not exist", func(h *registry.Household) { h.Village = rtTownship1 + "999" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := rtHousehold(rtVillage1, 3000, 2)
				tc.edit(h)
				err := f.svc.Create(rtRegistrar, h)
				wantErr(t, tc.name, err, tide.EINVALID, tc.field)
				if !strings.Contains(tide.ErrorMessage(err), tc.message) {
					t.Errorf("message %q, want it to say %q", tide.ErrorMessage(err), tc.message)
				}
			})
		}
		if n := f.count(t, "households"); n != 0 {
			t.Errorf("%d households written by refused creates", n)
		}
	})
}

// TestOtherCountyIsNotFound: an officer of another county learns nothing,
// not even that the household exists.
func TestOtherCountyIsNotFound(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRTFixture(t, db)
		h := rtHousehold(rtVillage3, 5000, 2)
		f.create(t, h)
		for name, call := range map[string]func() error{
			"Find":    func() error { _, err := f.svc.Find(rtOfficer1, h.Ref); return err },
			"Update":  func() error { _, err := f.svc.Update(rtOfficer1, h.Ref, rtHousehold(rtVillage1, 1, 1)); return err },
			"History": func() error { _, err := f.svc.History(rtOfficer1, h.Ref); return err },
			"ProposeExit": func() error {
				_, err := f.svc.ProposeExit(rtOfficer1, h.Ref, "")
				return err
			},
			"AdvanceExit": func() error { _, err := f.svc.AdvanceExit(rtOfficer1, h.Ref, "check", ""); return err },
			"Assist": func() error {
				_, err := f.svc.Assist(rtOfficer1, h.Ref, registry.Assistance{Kind: "industry", Date: "2026-01-01"})
				return err
			},
			"AssistanceOf": func() error { _, err := f.svc.AssistanceOf(rtOfficer1, h.Ref); return err },
			"Pair":         func() error { _, err := f.svc.Pair(rtOfficer1, h.Ref, registry.Cadre{Name: "x"}); return err },
			"WorkWatch":    func() error { _, err := f.svc.WorkWatch(rtOfficer1, h.Ref, "visit", ""); return err },
			"AssistMany": func() error {
				return f.svc.AssistMany(rtOfficer1, []registry.Assistance{{Household: h.Ref, Kind: "industry", Date: "2026-01-01"}})
			},
			"ProposeExits": func() error { _, err := f.svc.ProposeExits(rtOfficer1, []string{h.Ref}, ""); return err },
		} {
			if err := call(); tide.ErrorCode(err) != tide.ENOTFOUND {
				t.Errorf("%s by another county's officer: %v, want not_found", name, err)
			}
		}
		if _, err := f.svc.Find(rtOfficer2, h.Ref); err != nil {
			t.Errorf("own county's officer: %v", err)
		}
		if hist, err := f.svc.History(rtOfficer2, h.Ref); err != nil || len(hist) != 0 {
			t.Errorf("history untouched: %v %v", hist, err)
		}
	})
}
