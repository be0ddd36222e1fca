package registry

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// PastExit is an exit decided before the registry held the case, as a
// migration from an earlier system brings it: the household and the steps of
// its workflow, each with who took it and when.
type PastExit struct {
	Household string     // ref
	Steps     []ExitStep // proposed, village_reviewed, posted, approved, in that order
}

// pastStages are the stages a past exit's steps must have, in order.
var pastStages = []ExitStage{StageProposed, StageVillageReviewed, StagePosted, StageApproved}

// RecordExits stores exits already decided, each as the workflow would have
// left it: the case closed as approved with its steps and its assessment,
// the household moved to exited with a history entry at the approval, and an
// audit entry holding the whole case. Only an administrator may record them.
// Each household must be registered poor with no exit under way and meet the
// exit standard; its steps must be the workflow's four, in order, named by
// who took them, with the approval after the public posting and none in the
// future. All are written in one transaction, or none; an error names the
// first exit refused.
func (s *Service) RecordExits(ctx context.Context, in []PastExit) ([]*Exit, error) {
	a, err := actorWith(ctx, []tide.Role{tide.RoleAdmin}, "record past exits")
	if err != nil {
		return nil, err
	}
	refs := make([]string, len(in))
	for i, pe := range in {
		refs[i] = pe.Household
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
	scs := make([]*StatusChange, len(hs))
	changes := make([]audit.Change, len(hs))
	for i, h := range hs {
		if !h.Status.Poor() {
			return nil, batchError("households", i, h.Ref, tide.Invalid("status", "a household that is %s cannot exit", h.Status))
		}
		if e := open[h.ID]; e != nil {
			return nil, batchError("households", i, h.Ref, &tide.Error{Code: tide.ECONFLICT, Message: "an exit is already under way (" + string(e.Stage) + ")"})
		}
		steps, err := s.pastSteps(in[i].Steps, now)
		if err != nil {
			return nil, batchError("households", i, h.Ref, err)
		}
		e, _, err := proposal(a, p, h, "", now)
		if err != nil {
			return nil, batchError("households", i, h.Ref, err)
		}
		approved := steps[len(steps)-1]
		e.Stage, e.Steps, e.PostingEnds = StageApproved, steps, steps[2].At.Add(time.Duration(s.PostingDays)*24*time.Hour)
		es[i] = e
		scs[i] = &StatusChange{From: h.Status, To: Exited, Reason: "exit approved", Actor: approved.Actor, At: approved.At}
		changes[i] = audit.Change{Actor: a.Name, Action: "exit_record", Entity: "household", EntityID: h.Ref, After: e}
	}
	if err := s.store.CreateExits(ctx, es, hs, scs, changes); err != nil {
		return nil, err
	}
	for i, h := range hs {
		h.Status = scs[i].To
		s.notify(h)
	}
	return es, nil
}

// pastSteps checks a past exit's steps and returns them tidied, in UTC.
func (s *Service) pastSteps(in []ExitStep, now time.Time) ([]ExitStep, error) {
	if len(in) != len(pastStages) {
		return nil, tide.Invalid("steps", "a past exit has the %d steps proposed, village_reviewed, posted and approved", len(pastStages))
	}
	out := make([]ExitStep, len(in))
	for i, st := range in {
		switch {
		case st.Stage != pastStages[i]:
			return nil, tide.Invalid("steps", "step %d must be %s, not %s", i+1, pastStages[i], st.Stage)
		case st.Actor == "" || utf8.RuneCountInString(st.Actor) > MaxText:
			return nil, tide.Invalid("steps", "step %s needs who took it, at most %d characters", st.Stage, MaxText)
		case st.At.IsZero() || st.At.After(now):
			return nil, tide.Invalid("steps", "step %s needs a time that is not in the future", st.Stage)
		case i > 0 && st.At.Before(out[i-1].At):
			return nil, tide.Invalid("steps", "step %s comes before %s", st.Stage, out[i-1].Stage)
		}
		out[i] = ExitStep{Stage: st.Stage, Actor: st.Actor, At: st.At.UTC(), Note: clip(st.Note)}
	}
	if ends := out[2].At.Add(time.Duration(s.PostingDays) * 24 * time.Hour); out[3].At.Before(ends) {
		return nil, tide.Invalid("steps", "the approval comes before the public posting ended (%s)", ends.Format("2006-01-02 15:04"))
	}
	return out, nil
}
