package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

// checkImport applies the registry's rules to every household of f, in
// parallel, then checks villages and duplicates against the store.
func (s *Service) checkImport(ctx context.Context, a *tide.Actor, ts TransferStore, f *householdFile) error {
	villages, err := villageSet(ctx, ts, a.Scope)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	parallel(len(f.households), func(i int) { s.checkHousehold(a, f.households[i], villages, now) }, nil)
	if err := s.checkVillages(ctx, a, f, villages); err != nil {
		return err
	}
	return s.checkImportDuplicates(ctx, a, ts, f)
}

// villageSet returns the codes of the villages under scope, for checking
// a file's villages without a query per row.
func villageSet(ctx context.Context, ts TransferStore, scope string) (map[string]struct{}, error) {
	codes, err := ts.VillageCodes(ctx, scope, 0)
	if err != nil {
		return nil, fmt.Errorf("load villages: %w", err)
	}
	villages := make(map[string]struct{}, len(codes))
	for _, c := range codes {
		villages[c] = struct{}{}
	}
	return villages, nil
}

// checkHousehold checks p's household, whose members were checked (and
// their ID numbers sealed) as the file was read.
func (s *Service) checkHousehold(a *tide.Actor, p *pendingHousehold, villages map[string]struct{}, now time.Time) {
	h := &p.h
	h.Members = membersOf(p.checks)
	heads := 0
	for i, c := range p.checks {
		m := &h.Members[i]
		if err := c.err(); err != nil {
			msg := tide.ErrorMessage(err)
			if field := tide.ErrorField(err); field == "id_number" && strings.ContainsAny(m.IDNumber, "E+.") {
				msg = "the ID number was stored as a number and lost digits; format the column as text"
			}
			p.fail(p.lines[i], tide.ErrorField(err), "%s", msg)
			continue
		}
		if m.Relation == "head" {
			if heads++; heads == 2 {
				p.fail(p.lines[i], "relation", "a second head; a household has exactly one head")
			}
		}
	}
	if len(h.Members) > MaxMembers {
		p.fail(p.lines[MaxMembers], "household", "at most %d members in a household", MaxMembers)
	}
	if heads == 0 && !p.bad {
		p.fail(p.first, "relation", "no member has the relation head; a household has exactly one head")
	}
	// The household's own fields, through Validate with one stand-in member,
	// since the members were checked above one by one.
	hv := *h
	hv.Members = []Member{{Name: "x", Sex: "x", Birth: "1970-01-01", Relation: "head"}}
	if err := hv.Validate(now); err != nil {
		col := fileColumn(tide.ErrorField(err))
		p.fail(p.lineOf(col), col, "%s", tide.ErrorMessage(err))
	}
	if _, ok := villages[h.Village]; !ok && h.Village != "" && !a.Sees(h.Village) {
		p.fail(p.lineOf("village"), "village", "village %s is not in your area", h.Village)
	}
}

// fileColumn names the file column of a household field of Validate.
func fileColumn(field string) string {
	switch {
	case field == "cadre.name":
		return "cadre_name"
	case field == "cadre.phone":
		return "cadre_phone"
	case strings.HasPrefix(field, "indicators."):
		return IndicatorPrefix + strings.TrimPrefix(field, "indicators.")
	case field == "indicators" || field == "":
		return "household"
	}
	return field
}

// lineOf returns the line that gave column's value, or the household's first.
func (p *pendingHousehold) lineOf(column string) int {
	for i, c := range p.cols {
		if c == column && p.valLines[i] > 0 {
			return p.valLines[i]
		}
	}
	return p.first
}

// checkVillages reports villages in the caller's area that are not villages:
// unknown codes, or regions of another level. The few codes missing from the
// preloaded set are looked up one by one.
func (s *Service) checkVillages(ctx context.Context, a *tide.Actor, f *householdFile, villages map[string]struct{}) error {
	levels := map[string]string{}
	for _, p := range f.households {
		v := p.h.Village
		if _, ok := villages[v]; ok || v == "" || !a.Sees(v) {
			continue
		}
		level, seen := levels[v]
		if !seen {
			l, err := s.store.RegionLevel(ctx, v)
			if tide.ErrorCode(err) == tide.ENOTFOUND {
				l = ""
			} else if err != nil {
				return err
			}
			levels[v], level = l, l
		}
		if level == "" {
			p.fail(p.lineOf("village"), "village", "village %s does not exist", v)
		} else {
			p.fail(p.lineOf("village"), "village", "%s is a %s, not a village", v, level)
		}
	}
	return nil
}

// memberAt names one member of a file.
type memberAt struct {
	p *pendingHousehold
	i int
}

func (m memberAt) line() int { return m.p.lines[m.i] }

// checkImportDuplicates reports an ID number or phone that appears in two
// households of the file, and one that is already registered.
func (s *Service) checkImportDuplicates(ctx context.Context, a *tide.Actor, ts TransferStore, f *householdFile) error {
	// Sized up front: growing maps of millions of keys copies them again and again.
	ids := make(map[string]memberAt, f.rowCount)
	phones := make(map[string]memberAt, f.rowCount/2)
	for _, p := range f.households {
		for i := range p.h.Members {
			m := &p.h.Members[i]
			at := memberAt{p, i}
			if m.IDHash != "" {
				if prev, ok := ids[m.IDHash]; ok && prev.p == p {
					p.fail(at.line(), "id_number", "ID number %s appears twice in this household (line %d)", MaskID(m.IDNumber), prev.line())
				} else if ok {
					p.fail(at.line(), "id_number", "ID number %s is also on line %d, in another household", MaskID(m.IDNumber), prev.line())
				} else {
					ids[m.IDHash] = at
				}
			}
			if m.PhoneNorm != "" {
				if prev, ok := phones[m.PhoneNorm]; ok && prev.p != p {
					p.fail(at.line(), "phone", "phone %s is also on line %d, in another household", MaskPhone(m.PhoneNorm), prev.line())
				} else if !ok {
					phones[m.PhoneNorm] = at
				}
			}
		}
	}
	hashes := make([]string, 0, len(ids))
	for h := range ids {
		hashes = append(hashes, h)
	}
	nums := make([]string, 0, len(phones))
	for p := range phones {
		nums = append(nums, p)
	}
	dups, err := ts.FindRegistered(ctx, hashes, nums)
	if err != nil {
		return fmt.Errorf("find duplicates: %w", err)
	}
	type kindAt struct {
		at    memberAt
		phone bool
	}
	reported := map[kindAt]bool{}
	for _, d := range dups {
		where := "in another household"
		if a.Sees(d.Region) {
			where = "in household " + d.Household
		}
		if at, ok := ids[d.Hash]; ok && !reported[kindAt{at, false}] {
			reported[kindAt{at, false}] = true
			at.p.fail(at.line(), "id_number", "ID number %s is already registered %s", MaskID(at.p.h.Members[at.i].IDNumber), where)
		} else if at, ok := phones[d.Hash]; ok && !reported[kindAt{at, true}] {
			reported[kindAt{at, true}] = true
			at.p.fail(at.line(), "phone", "phone %s is already registered %s", MaskPhone(d.Hash), where)
		}
	}
	return nil
}
