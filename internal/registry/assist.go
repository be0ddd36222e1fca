package registry

import (
	"context"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// AssistanceKinds are the measures of the campaign (the "five batches" and more).
var AssistanceKinds = []string{"industry", "employment", "relocation", "education", "health", "social_security", "ecological"}

// Assistance is one measure given to a household.
type Assistance struct {
	ID          int64     `json:"id"`
	Household   string    `json:"household"`
	Kind        string    `json:"kind"`
	Description string    `json:"description"`
	Cost        int64     `json:"cost"` // minor units
	Date        string    `json:"date"` // YYYY-MM-DD
	Actor       string    `json:"actor"`
	CreatedAt   time.Time `json:"created_at"`
}

// AssistStore persists assistance.
type AssistStore interface {
	// CreateAssistance stores a and, when sc is not nil, moves the household.
	CreateAssistance(ctx context.Context, a *Assistance, h *Household, sc *StatusChange, c audit.Change) error
	FindAssistance(ctx context.Context, householdID int64) ([]Assistance, error)
	UpdateCadre(ctx context.Context, h *Household, c audit.Change) error
}

// Assist records a measure for a household; an identified household becomes assisted.
func (s *Service) Assist(ctx context.Context, ref string, in Assistance) (*Assistance, error) {
	a, err := actorWith(ctx, writers, "record assistance")
	if err != nil {
		return nil, err
	}
	h, err := s.find(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	if err := checkAssistance(&in); err != nil {
		return nil, err
	}
	sc, c := assisting(a, h, &in, s.Now().UTC())
	if err := s.store.CreateAssistance(ctx, &in, h, sc, c); err != nil {
		return nil, err
	}
	if sc != nil {
		h.Status = sc.To
		s.notify(h)
	}
	return &in, nil
}

// checkAssistance tidies a measure's text and checks its kind, cost and date.
func checkAssistance(in *Assistance) error {
	in.Kind = strings.TrimSpace(in.Kind)
	in.Description = clip(in.Description)
	switch {
	case !contains(AssistanceKinds, in.Kind):
		return tide.Invalid("kind", "kind must be one of %s", strings.Join(AssistanceKinds, ", "))
	case in.Cost < 0 || in.Cost > MaxIncome:
		return tide.Invalid("cost", "cost must be 0 or more")
	case !isDateShape(in.Date):
		return tide.Invalid("date", "date must be YYYY-MM-DD")
	}
	if _, err := time.Parse("2006-01-02", in.Date); err != nil {
		return tide.Invalid("date", "date is not a real date")
	}
	return nil
}

// assisting stamps a checked measure for household h and returns the status
// move it causes (an identified household becomes assisted; nil otherwise)
// and its audit change.
func assisting(a *tide.Actor, h *Household, in *Assistance, now time.Time) (*StatusChange, audit.Change) {
	in.ID, in.Household, in.Actor, in.CreatedAt = 0, h.Ref, a.Name, now
	var sc *StatusChange
	if h.Status == Identified {
		sc = &StatusChange{From: h.Status, To: Assisted, Reason: "assistance: " + in.Kind, Actor: a.Name, At: now}
	}
	return sc, audit.Change{Actor: a.Name, Action: "assist", Entity: "household", EntityID: h.Ref, After: *in}
}

// AssistanceOf lists a household's measures, oldest first.
func (s *Service) AssistanceOf(ctx context.Context, ref string) ([]Assistance, error) {
	a, err := actorWith(ctx, readers, "see households")
	if err != nil {
		return nil, err
	}
	h, err := s.find(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	return s.store.FindAssistance(ctx, h.ID)
}

// Pair sets the cadre paired with a household.
func (s *Service) Pair(ctx context.Context, ref string, c Cadre) (*Household, error) {
	a, err := actorWith(ctx, []tide.Role{tide.RoleCounty, tide.RoleAdmin, tide.RoleRegistrar}, "pair cadres")
	if err != nil {
		return nil, err
	}
	h, err := s.find(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	c.Name, c.Phone = strings.TrimSpace(c.Name), strings.TrimSpace(c.Phone)
	if c.Name == "" || len([]rune(c.Name)) > MaxText {
		return nil, tide.Invalid("name", "the cadre's name is required, at most %d characters", MaxText)
	}
	if c.Phone != "" && NormalizePhone(c.Phone) == "" {
		return nil, tide.Invalid("phone", "not a phone number")
	}
	before := h.Cadre
	h.Cadre = c
	ch := audit.Change{Actor: a.Name, Action: "pair", Entity: "household", EntityID: h.Ref, Before: before, After: c}
	if err := s.store.UpdateCadre(ctx, h, ch); err != nil {
		return nil, err
	}
	return h, s.reveal(a, h)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
