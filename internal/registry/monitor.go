package registry

import (
	"context"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/tide"
)

// WatchStage is where a return-to-poverty case stands.
type WatchStage string

// The stages the county officer works a case through. Returned ends a case
// whose household fell back into poverty.
const (
	WatchFlagged  WatchStage = "flagged"
	WatchVisited  WatchStage = "visited"
	WatchAssisted WatchStage = "assisted"
	WatchCleared  WatchStage = "cleared"
	WatchReturned WatchStage = "returned"
)

// Watch is one household on the monitoring list.
type Watch struct {
	ID        int64           `json:"id"`
	Household string          `json:"household"`
	Region    string          `json:"region"`
	Reasons   []policy.Reason `json:"reasons"`
	Stage     WatchStage      `json:"stage"`
	Steps     []ExitStep      `json:"steps"`
	OpenedAt  time.Time       `json:"opened_at"`
}

// WatchStore persists the monitoring list.
type WatchStore interface {
	// CreateWatch opens w and, when sc is not nil, moves the household.
	CreateWatch(ctx context.Context, w *Watch, h *Household, sc *StatusChange, c audit.Change) error
	UpdateWatch(ctx context.Context, w *Watch, h *Household, sc *StatusChange, c audit.Change) error
	FindOpenWatch(ctx context.Context, householdID int64) (*Watch, error)
	FindWatches(ctx context.Context, prefix string, open bool, offset, limit int) ([]*Watch, int, error)
}

// Screen applies the exit policy's monitoring rules to the households of a
// region that are not registered poor (exited or monitored) and puts each one
// a rule flags on the monitoring list with the reasons. It returns how many
// were newly listed.
func (s *Service) Screen(ctx context.Context, region string) (int, error) {
	a, err := actorWith(ctx, []tide.Role{tide.RoleCounty, tide.RoleAdmin}, "screen for return to poverty")
	if err != nil {
		return 0, err
	}
	if !a.Sees(region) {
		return 0, tide.NotFound("region")
	}
	p, ok := s.policies.Lookup(s.ExitPolicy)
	if !ok {
		return 0, tide.Errorf(tide.EINTERNAL, "policy %s is not loaded", s.ExitPolicy)
	}
	n := 0
	for afterRegion, afterID := "", int64(0); ; {
		list, err := s.store.ScanHouseholds(ctx, region, Exited, afterRegion, afterID, 500)
		if err != nil || len(list) == 0 {
			return n, err
		}
		afterRegion, afterID = list[len(list)-1].Village, list[len(list)-1].ID
		added, err := s.screenPage(ctx, a, p, list)
		if err != nil {
			return n, err
		}
		n += added
	}
}

// screenPage lists the households of one page that a monitoring rule flags
// and that have no open case, in one write, and returns how many it listed.
func (s *Service) screenPage(ctx context.Context, a *tide.Actor, p *policy.Policy, list []*Household) (int, error) {
	var hs []*Household
	var reasons [][]policy.Reason
	for _, h := range list {
		if rs := p.MonitoringReasons(h.Facts()); len(rs) > 0 {
			hs, reasons = append(hs, h), append(reasons, rs)
		}
	}
	if len(hs) == 0 {
		return 0, nil
	}
	open, err := s.store.FindOpenWatches(ctx, householdIDs(hs))
	if err != nil {
		return 0, err
	}
	now := s.Now().UTC()
	var (
		flagged []*Household
		ws      []*Watch
		scs     []*StatusChange
		changes []audit.Change
	)
	for i, h := range hs {
		if open[h.ID] != nil {
			continue
		}
		w := &Watch{Household: h.Ref, Region: h.Village, Reasons: reasons[i], Stage: WatchFlagged, OpenedAt: now,
			Steps: []ExitStep{{Stage: ExitStage(WatchFlagged), Actor: a.Name, At: now}}}
		var sc *StatusChange
		if h.Status == Exited {
			sc = &StatusChange{From: h.Status, To: Monitored, Reason: reasons[i][0].Message, Actor: a.Name, At: now}
		}
		flagged, ws, scs = append(flagged, h), append(ws, w), append(scs, sc)
		changes = append(changes, audit.Change{Actor: a.Name, Action: "monitor_flag", Entity: "household", EntityID: h.Ref, After: w})
	}
	if len(flagged) == 0 {
		return 0, nil
	}
	if err := s.store.CreateWatches(ctx, ws, flagged, scs, changes); err != nil {
		return 0, err
	}
	for i, h := range flagged {
		if scs[i] != nil {
			h.Status = Monitored
			s.notify(h)
		}
	}
	return len(flagged), nil
}

// WorkWatch takes a step on a household's open case: "visit", "assist",
// "clear" (stable again: back to exited) or "return" (fell back: poor again).
func (s *Service) WorkWatch(ctx context.Context, ref, step, note string) (*Watch, error) {
	a, err := actorWith(ctx, []tide.Role{tide.RoleCounty, tide.RoleAdmin}, "work the monitoring list")
	if err != nil {
		return nil, err
	}
	h, err := s.find(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	w, err := s.store.FindOpenWatch(ctx, h.ID)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return nil, tide.Invalid("step", "the household is not on the monitoring list")
	} else if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	var sc *StatusChange
	switch step {
	case "visit":
		w.Stage = WatchVisited
	case "assist":
		w.Stage = WatchAssisted
	case "clear":
		w.Stage = WatchCleared
		if h.Status == Monitored {
			sc = &StatusChange{From: h.Status, To: Exited, Reason: "monitoring cleared: stable", Actor: a.Name, At: now}
		}
	case "return":
		w.Stage = WatchReturned
		sc = &StatusChange{From: h.Status, To: Returned, Reason: "returned to poverty", Actor: a.Name, At: now}
	default:
		return nil, tide.Invalid("step", "step must be visit, assist, clear or return")
	}
	w.Steps = append(w.Steps, ExitStep{Stage: ExitStage(w.Stage), Actor: a.Name, At: now, Note: clip(note)})
	c := audit.Change{Actor: a.Name, Action: "monitor_" + step, Entity: "household", EntityID: h.Ref,
		After: map[string]any{"stage": w.Stage, "note": clip(note)}}
	if err := s.store.UpdateWatch(ctx, w, h, sc, c); err != nil {
		return nil, err
	}
	if sc != nil {
		h.Status = sc.To
		s.notify(h)
	}
	return w, nil
}

// Watches lists the monitoring list of the caller's scope (open cases by default).
func (s *Service) Watches(ctx context.Context, prefix string, open bool, offset, limit int) ([]*Watch, int, error) {
	a, err := actorWith(ctx, readers, "see the monitoring list")
	if err != nil {
		return nil, 0, err
	}
	if !strings.HasPrefix(prefix, a.Scope) {
		prefix = a.Scope
	}
	return s.store.FindWatches(ctx, prefix, open, offset, tide.ClampLimit(limit))
}
