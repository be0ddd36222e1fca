package registry

import (
	"context"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/tide"
)

// ExitStage is where an exit stands in the workflow: proposal, village
// review, township check, public posting, county approval (一申请、一评议、
// 二审核、三公示、县审定).
type ExitStage string

// The stages, in order, and the two ends.
const (
	StageProposed        ExitStage = "proposed"
	StageVillageReviewed ExitStage = "village_reviewed"
	StagePosted          ExitStage = "posted" // township checked; posting runs until PostingEnds
	StageApproved        ExitStage = "approved"
	StageRejected        ExitStage = "rejected"
)

// Exit is one exit case of a household.
type Exit struct {
	ID          int64          `json:"id"`
	Household   string         `json:"household"`
	Region      string         `json:"region"`
	Policy      string         `json:"policy"`
	Stage       ExitStage      `json:"stage"`
	PostingEnds time.Time      `json:"posting_ends,omitzero"`
	Steps       []ExitStep     `json:"steps"`
	Assessment  ExitAssessment `json:"assessment"`
}

// ExitStep records who took a step and when.
type ExitStep struct {
	Stage ExitStage `json:"stage"`
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
	Note  string    `json:"note"`
}

// ExitAssessment is a policy's verdict with each criterion and why.
type ExitAssessment = policy.ExitAssessment

// ExitStore persists exit cases.
type ExitStore interface {
	CreateExit(ctx context.Context, e *Exit, householdID int64, c audit.Change) error
	// AdvanceExit stores e's new stage and its last step; when status is not
	// empty it also moves the household with the history entry, all in one
	// transaction.
	AdvanceExit(ctx context.Context, e *Exit, h *Household, sc *StatusChange, c audit.Change) error
	FindOpenExit(ctx context.Context, householdID int64) (*Exit, error)
	FindExits(ctx context.Context, prefix string, stage ExitStage, offset, limit int) ([]*Exit, int, error)
}

// Assess tells, for a household and a policy, each exit criterion met or not.
func (s *Service) Assess(ctx context.Context, ref, policyID string) (ExitAssessment, error) {
	a, err := actorWith(ctx, readers, "see households")
	if err != nil {
		return ExitAssessment{}, err
	}
	h, err := s.find(ctx, a, ref)
	if err != nil {
		return ExitAssessment{}, err
	}
	p, ok := s.policies.Lookup(policyID)
	if !ok {
		return ExitAssessment{}, tide.Invalid("policy", "unknown policy %q", policyID)
	}
	return p.AssessExit(h.Facts()), nil
}

// ProposeExit opens an exit case; the household must meet every criterion of
// the exit policy. Registrars and county officers may propose.
func (s *Service) ProposeExit(ctx context.Context, ref, note string) (*Exit, error) {
	a, err := actorWith(ctx, []tide.Role{tide.RoleRegistrar, tide.RoleCounty, tide.RoleAdmin}, "propose exits")
	if err != nil {
		return nil, err
	}
	h, err := s.find(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	if !h.Status.Poor() {
		return nil, tide.Invalid("status", "a household that is %s cannot be proposed for exit", h.Status)
	}
	if open, err := s.store.FindOpenExit(ctx, h.ID); err == nil {
		return nil, &tide.Error{Code: tide.ECONFLICT, Message: "an exit is already under way (" + string(open.Stage) + ")"}
	} else if tide.ErrorCode(err) != tide.ENOTFOUND {
		return nil, err
	}
	p, err := s.exitPolicy()
	if err != nil {
		return nil, err
	}
	e, c, err := proposal(a, p, h, note, s.Now().UTC())
	if err != nil {
		return nil, err
	}
	return e, s.store.CreateExit(ctx, e, h.ID, c)
}

func (s *Service) exitPolicy() (*policy.Policy, error) {
	p, ok := s.policies.Lookup(s.ExitPolicy)
	if !ok {
		return nil, tide.Errorf(tide.EINTERNAL, "exit policy %s is not loaded", s.ExitPolicy)
	}
	return p, nil
}

// proposal assesses h against the exit policy p and returns the exit case to
// open with its audit change, or an error naming every unmet criterion.
func proposal(a *tide.Actor, p *policy.Policy, h *Household, note string, now time.Time) (*Exit, audit.Change, error) {
	as := p.AssessExit(h.Facts())
	if !as.Eligible {
		var unmet []string
		for _, c := range as.Criteria {
			if !c.Met {
				unmet = append(unmet, c.Reason)
			}
		}
		return nil, audit.Change{}, tide.Invalid("household", "does not meet the exit standard: %s", strings.Join(unmet, "; "))
	}
	e := &Exit{Household: h.Ref, Region: h.Village, Policy: p.ID, Stage: StageProposed, Assessment: as,
		Steps: []ExitStep{{Stage: StageProposed, Actor: a.Name, At: now, Note: clip(note)}}}
	return e, audit.Change{Actor: a.Name, Action: "exit_propose", Entity: "household", EntityID: h.Ref, After: e}, nil
}

// The role that may take each step, and the stage it leads to.
var exitSteps = map[string]struct {
	from  ExitStage
	to    ExitStage
	roles []tide.Role
}{
	"review":  {StageProposed, StageVillageReviewed, []tide.Role{tide.RoleRegistrar, tide.RoleAdmin}},
	"check":   {StageVillageReviewed, StagePosted, []tide.Role{tide.RoleCounty, tide.RoleAdmin}},
	"approve": {StagePosted, StageApproved, []tide.Role{tide.RoleCounty, tide.RoleAdmin}},
}

// AdvanceExit takes the named step ("review", "check", "approve" or
// "reject") on the household's open exit.
func (s *Service) AdvanceExit(ctx context.Context, ref, step, note string) (*Exit, error) {
	a, err := actorWith(ctx, readers, "take exit steps")
	if err != nil {
		return nil, err
	}
	h, err := s.find(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	e, err := s.store.FindOpenExit(ctx, h.ID)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return nil, tide.Invalid("step", "the household has no exit under way")
	} else if err != nil {
		return nil, err
	}
	sc, c, err := s.advance(a, h, e, step, note, s.Now().UTC())
	if err != nil {
		return nil, err
	}
	if err := s.store.AdvanceExit(ctx, e, h, sc, c); err != nil {
		return nil, err
	}
	if sc != nil {
		h.Status = Exited
		s.notify(h)
	}
	return e, nil
}

// advance takes step on h's open exit e, if the actor's role and e's stage
// allow it, and returns the status move it causes (nil unless approved) and
// its audit change.
func (s *Service) advance(a *tide.Actor, h *Household, e *Exit, step, note string, now time.Time) (*StatusChange, audit.Change, error) {
	var sc *StatusChange
	switch st, ok := exitSteps[step]; {
	case step == "reject":
		if !a.HasAny(tide.RoleRegistrar, tide.RoleCounty, tide.RoleAdmin) {
			return nil, audit.Change{}, tide.Errorf(tide.EFORBIDDEN, "your role may not reject exits")
		}
		e.Stage = StageRejected
	case !ok:
		return nil, audit.Change{}, tide.Invalid("step", "step must be review, check, approve or reject")
	case !a.HasAny(st.roles...):
		return nil, audit.Change{}, tide.Errorf(tide.EFORBIDDEN, "your role may not take the %s step", step)
	case e.Stage != st.from:
		return nil, audit.Change{}, tide.Invalid("step", "the exit is %s; %s comes after %s", e.Stage, step, st.from)
	case step == "approve" && now.Before(e.PostingEnds):
		return nil, audit.Change{}, tide.Invalid("step", "the public posting runs until %s", e.PostingEnds.Format("2006-01-02 15:04"))
	default:
		e.Stage = st.to
		if step == "check" {
			e.PostingEnds = now.Add(time.Duration(s.PostingDays) * 24 * time.Hour)
		}
		if step == "approve" {
			sc = &StatusChange{From: h.Status, To: Exited, Reason: "exit approved", Actor: a.Name, At: now}
		}
	}
	e.Steps = append(e.Steps, ExitStep{Stage: e.Stage, Actor: a.Name, At: now, Note: clip(note)})
	c := audit.Change{Actor: a.Name, Action: "exit_" + step, Entity: "household", EntityID: h.Ref,
		After: map[string]any{"stage": e.Stage, "note": clip(note)}}
	return sc, c, nil
}

// OpenExit returns the household's exit under way, or ENOTFOUND.
func (s *Service) OpenExit(ctx context.Context, ref string) (*Exit, error) {
	a, err := actorWith(ctx, readers, "see households")
	if err != nil {
		return nil, err
	}
	h, err := s.find(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	return s.store.FindOpenExit(ctx, h.ID)
}

// Exits lists exit cases under way in the caller's scope.
func (s *Service) Exits(ctx context.Context, prefix string, stage ExitStage, offset, limit int) ([]*Exit, int, error) {
	a, err := actorWith(ctx, readers, "see households")
	if err != nil {
		return nil, 0, err
	}
	if !strings.HasPrefix(prefix, a.Scope) {
		prefix = a.Scope
	}
	return s.store.FindExits(ctx, prefix, stage, offset, tide.ClampLimit(limit))
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 500 {
		return string(r[:500])
	}
	return s
}
