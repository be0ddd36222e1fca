package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// BatchStore writes the cases of many households in one transaction, for the
// batch forms of assistance and of the exit workflow: a county that records a
// season's measures for a whole township, or approves a village's posted list
// of exits, does it in one write rather than hundreds.
type BatchStore interface {
	// FindHouseholdsByRef returns the households with the given refs that
	// exist, in no particular order, with their members when members is set.
	FindHouseholdsByRef(ctx context.Context, refs []string, members bool) ([]*Household, error)
	// FindOpenExits returns the exits under way of the given households, by
	// household ID.
	FindOpenExits(ctx context.Context, householdIDs []int64) (map[int64]*Exit, error)
	// CreateAssistances stores as[i] for hs[i], moving hs[i] with scs[i] when
	// it is not nil, and appends the audit changes.
	CreateAssistances(ctx context.Context, as []*Assistance, hs []*Household, scs []*StatusChange, changes []audit.Change) error
	// CreateExits stores es[i] for hs[i], open unless approved or rejected,
	// moving hs[i] with scs[i] when scs is given and scs[i] is not nil, and
	// appends the audit changes.
	CreateExits(ctx context.Context, es []*Exit, hs []*Household, scs []*StatusChange, changes []audit.Change) error
	// AdvanceExits stores the new stage and last step of es[i], moving hs[i]
	// with scs[i] when it is not nil, and appends the audit changes.
	AdvanceExits(ctx context.Context, es []*Exit, hs []*Household, scs []*StatusChange, changes []audit.Change) error
	// ScanHouseholds returns up to limit households under prefix with
	// status, with their members, in region then ID order, after the
	// household in region afterRegion with ID afterID ("" and 0: from the
	// first). Paging by key rather than offset keeps each page as cheap as
	// the first, which is what lets a screen walk a whole province.
	ScanHouseholds(ctx context.Context, prefix string, status Status, afterRegion string, afterID int64, limit int) ([]*Household, error)
	// FindOpenWatches returns the open monitoring cases of the given
	// households, by household ID.
	FindOpenWatches(ctx context.Context, householdIDs []int64) (map[int64]*Watch, error)
	// CreateWatches opens ws[i] for hs[i], moving hs[i] with scs[i] when it
	// is not nil, and appends the audit changes.
	CreateWatches(ctx context.Context, ws []*Watch, hs []*Household, scs []*StatusChange, changes []audit.Change) error
}

// MaxBatch bounds the households (or measures) of one batch call.
const MaxBatch = 5000

// households loads the households with refs, each of which must exist and be
// in the actor's scope; an error names the first that is not, as list[i].
// A ref given twice gets the same household.
func (s *Service) households(ctx context.Context, a *tide.Actor, list string, refs []string, members bool) ([]*Household, error) {
	if len(refs) > MaxBatch {
		return nil, tide.Invalid(list, "at most %d at once", MaxBatch)
	}
	found, err := s.store.FindHouseholdsByRef(ctx, refs, members)
	if err != nil {
		return nil, err
	}
	byRef := make(map[string]*Household, len(found))
	for _, h := range found {
		byRef[h.Ref] = h
	}
	out := make([]*Household, len(refs))
	for i, ref := range refs {
		h := byRef[ref]
		if h == nil || !a.Sees(h.Village) {
			return nil, batchError(list, i, ref, tide.NotFound("household"))
		}
		out[i] = h
	}
	return out, nil
}

// batchError names the entry of a batch (list[i]) that an error is about,
// and its household's ref; the error keeps its code.
func batchError(list string, i int, ref string, err error) error {
	var te *tide.Error
	if !errors.As(err, &te) {
		return fmt.Errorf("%s[%d] (household %s): %w", list, i, ref, err)
	}
	field := fmt.Sprintf("%s[%d]", list, i)
	if te.Field != "" {
		field += "." + te.Field
	}
	return &tide.Error{Code: te.Code, Field: field, Message: "household " + ref + ": " + te.Message}
}

// AssistMany records measures for many households at once, each as Assist
// records one: the same rules and scope, an audit entry per measure, and an
// identified household moved to assisted with its history entry. All are
// written in one transaction, or none; an error names the first bad measure.
// Each measure names its household by ref in Household. A household may get
// more than one measure in a batch.
func (s *Service) AssistMany(ctx context.Context, in []Assistance) error {
	a, err := actorWith(ctx, writers, "record assistance")
	if err != nil {
		return err
	}
	refs := make([]string, len(in))
	for i, m := range in {
		refs[i] = m.Household
	}
	// With members: the watcher is told of the households that move.
	byMeasure, err := s.households(ctx, a, "measures", refs, true)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	as := make([]*Assistance, len(in))
	hs := make([]*Household, len(in))
	scs := make([]*StatusChange, len(in))
	changes := make([]audit.Change, len(in))
	var moved []*Household
	for i := range in {
		m := in[i]
		h := byMeasure[i]
		if err := checkAssistance(&m); err != nil {
			return batchError("measures", i, h.Ref, err)
		}
		as[i], hs[i] = &m, h
		scs[i], changes[i] = assisting(a, h, &m, now)
		if scs[i] != nil {
			// The household's later measures in the batch find it assisted.
			h.Status = scs[i].To
			moved = append(moved, h)
		}
	}
	// The audit entries' JSON is made here, in parallel, rather than in the
	// store's transaction; it is the same JSON either way.
	each(len(changes), func(i int) {
		if b, err := json.Marshal(changes[i].After); err == nil {
			changes[i].After = json.RawMessage(b)
		}
	})
	if err := s.store.CreateAssistances(ctx, as, hs, scs, changes); err != nil {
		return err
	}
	for _, h := range moved {
		s.notify(h)
	}
	return nil
}

// ProposeExits opens exit cases for many households at once, each as
// ProposeExit does: every household must be registered poor, have no exit
// under way and meet every criterion of the exit policy. All are opened in
// one transaction, or none; an error names the first household refused.
func (s *Service) ProposeExits(ctx context.Context, refs []string, note string) ([]*Exit, error) {
	a, err := actorWith(ctx, []tide.Role{tide.RoleRegistrar, tide.RoleCounty, tide.RoleAdmin}, "propose exits")
	if err != nil {
		return nil, err
	}
	if err := distinct(refs); err != nil {
		return nil, err
	}
	hs, err := s.households(ctx, a, "households", refs, true)
	if err != nil {
		return nil, err
	}
	open, err := s.store.FindOpenExits(ctx, householdIDs(hs))
	if err != nil {
		return nil, err
	}
	p, err := s.exitPolicy()
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	es := make([]*Exit, len(hs))
	changes := make([]audit.Change, len(hs))
	for i, h := range hs {
		if !h.Status.Poor() {
			return nil, batchError("households", i, h.Ref, tide.Invalid("status", "a household that is %s cannot be proposed for exit", h.Status))
		}
		if e := open[h.ID]; e != nil {
			return nil, batchError("households", i, h.Ref, &tide.Error{Code: tide.ECONFLICT, Message: "an exit is already under way (" + string(e.Stage) + ")"})
		}
		if es[i], changes[i], err = proposal(a, p, h, note, now); err != nil {
			return nil, batchError("households", i, h.Ref, err)
		}
	}
	return es, s.store.CreateExits(ctx, es, hs, nil, changes)
}

// AdvanceExits takes the named step on many households' open exits at once,
// each as AdvanceExit does, with the same roles and order: the county that
// approves a village's posted list approves it in one write. All steps are
// stored in one transaction, or none; an error names the first household
// refused.
func (s *Service) AdvanceExits(ctx context.Context, refs []string, step, note string) ([]*Exit, error) {
	a, err := actorWith(ctx, readers, "take exit steps")
	if err != nil {
		return nil, err
	}
	if err := distinct(refs); err != nil {
		return nil, err
	}
	hs, err := s.households(ctx, a, "households", refs, step == "approve") // members when the watcher will be told
	if err != nil {
		return nil, err
	}
	open, err := s.store.FindOpenExits(ctx, householdIDs(hs))
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	es := make([]*Exit, len(hs))
	scs := make([]*StatusChange, len(hs))
	changes := make([]audit.Change, len(hs))
	for i, h := range hs {
		if es[i] = open[h.ID]; es[i] == nil {
			return nil, batchError("households", i, h.Ref, tide.Invalid("step", "the household has no exit under way"))
		}
		if scs[i], changes[i], err = s.advance(a, h, es[i], step, note, now); err != nil {
			return nil, batchError("households", i, h.Ref, err)
		}
	}
	if err := s.store.AdvanceExits(ctx, es, hs, scs, changes); err != nil {
		return nil, err
	}
	for i, h := range hs {
		if scs[i] != nil {
			h.Status = scs[i].To
			s.notify(h)
		}
	}
	return es, nil
}

func distinct(refs []string) error {
	seen := make(map[string]bool, len(refs))
	for i, r := range refs {
		if seen[r] {
			return batchError("households", i, r, tide.Invalid("", "a household appears twice in the batch"))
		}
		seen[r] = true
	}
	return nil
}

func householdIDs(hs []*Household) []int64 {
	ids := make([]int64, len(hs))
	for i, h := range hs {
		ids[i] = h.ID
	}
	return ids
}
