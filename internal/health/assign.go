package health

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/match"
	"github.com/tide-project/tide/internal/tide"
)

// Costs weigh the optimiser's choices. Every cost is in minutes of routine
// waiting.
type Costs struct {
	// Weights are what a minute of waiting costs at each urgency.
	Weights map[Urgency]int64
	// LanguagePenalty is added when the specialist does not speak the
	// request's language; with HardLanguage such a pairing is never made.
	LanguagePenalty int64
	HardLanguage    bool
	// LoadWeight is added for each consultation the specialist already
	// holds in the horizon, to spread the work.
	LoadWeight int64
}

// DefaultCosts make an emergency minute worth ten urgent ones and a hundred
// routine ones, a language barrier worth ten hours of routine waiting, and
// each consultation already held worth half an hour.
var DefaultCosts = Costs{
	Weights:         map[Urgency]int64{Emergency: 100, Urgent: 10, Routine: 1},
	LanguagePenalty: 600,
	LoadWeight:      30,
}

// slot is one bookable slot in the horizon with its free places.
type slot struct {
	specialist int // index into the run's specialists
	starts     time.Time
	minutes    int
	capacity   int
	free       int
}

// slots lists the slots of sp's weekly hours that start in [from, to), in
// the service's zone.
func (s *Service) slots(sp *Specialist, idx int, from, to time.Time) []slot {
	var out []slot
	zone := s.Zone
	if zone == nil {
		zone = time.UTC
	}
	day := time.Date(from.In(zone).Year(), from.In(zone).Month(), from.In(zone).Day(), 0, 0, 0, 0, zone)
	for ; day.Before(to); day = day.AddDate(0, 0, 1) {
		for _, h := range sp.Hours {
			if day.Weekday() != h.Weekday {
				continue
			}
			start, _ := clock(h.Start)
			end, _ := clock(h.End)
			for m := start; m+h.SlotMinutes <= end; m += h.SlotMinutes {
				at := day.Add(time.Duration(m) * time.Minute)
				if at.Before(from) || !at.Before(to) {
					continue
				}
				out = append(out, slot{specialist: idx, starts: at.UTC(), minutes: h.SlotMinutes, capacity: h.Capacity, free: h.Capacity})
			}
		}
	}
	return out
}

// AssignResult is what one run of the optimiser did.
type AssignResult struct {
	Assigned []*Consultation `json:"assigned"`
	// Unassigned are the open requests left for want of a fitting slot.
	Unassigned []string `json:"unassigned"`
	Cost       int64    `json:"cost"`
}

// Assign runs the optimiser over the open requests in the official's area:
// each is given a slot, at the lowest total cost, or left open when no
// fitting slot is free, the least urgent first. A run that meets another
// (the schedule and a button at once) reads again and solves again.
func (s *Service) Assign(ctx context.Context) (*AssignResult, error) {
	a, err := official(ctx, "run the assignment")
	if err != nil {
		return nil, err
	}
	for try := 1; ; try++ {
		res, err := s.assign(ctx, a)
		if tide.ErrorCode(err) != tide.ECONFLICT || try == 3 {
			return res, err
		}
	}
}

func (s *Service) assign(ctx context.Context, a *tide.Actor) (*AssignResult, error) {
	now := s.Now().UTC()
	reqs, _, err := s.store.FindRequests(ctx, RequestFilter{Prefix: a.Scope, States: []RequestState{RequestOpen}, Limit: 1 << 20})
	if err != nil {
		return nil, err
	}
	res := &AssignResult{Assigned: []*Consultation{}, Unassigned: []string{}}
	if len(reqs) == 0 {
		return res, nil
	}
	sps, _, err := s.store.FindSpecialists(ctx, SpecialistFilter{Limit: 1 << 20})
	if err != nil {
		return nil, err
	}
	booked, err := s.store.Bookings(ctx, now, now.Add(s.Horizon))
	if err != nil {
		return nil, err
	}
	load := make([]int64, len(sps))
	var slots []slot
	for i, sp := range sps {
		for _, sl := range s.slots(sp, i, now, now.Add(s.Horizon)) {
			n := booked[SlotKey{Specialist: sp.ID, Starts: sl.starts.Unix()}]
			load[i] += int64(n)
			if sl.free -= n; sl.free > 0 {
				slots = append(slots, sl)
			}
		}
	}
	slices.SortFunc(slots, func(a, b slot) int {
		if a.specialist != b.specialist {
			return a.specialist - b.specialist
		}
		return a.starts.Compare(b.starts)
	})
	res, capacity, changes, err := s.plan(a, now, reqs, sps, slots, load)
	if err != nil {
		return nil, err
	}
	if len(res.Assigned) > 0 {
		if err := s.store.Book(ctx, res.Assigned, capacity, changes); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// plan runs the optimiser over the requests and the free slots, in order of
// specialist and start, and reads its solution back: the consultations it
// makes, the requests it leaves open and the cost, with each consultation's
// slot capacity and audit change for the store to book them by.
func (s *Service) plan(a *tide.Actor, now time.Time, reqs []*Request, sps []*Specialist, slots []slot, load []int64) (*AssignResult, []int, []audit.Change, error) {
	res := &AssignResult{Assigned: []*Consultation{}, Unassigned: []string{}}
	sol, err := match.SolveClasses(s.problem(reqs, sps, slots, load, true))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("assign: %w", err)
	}
	var capacity []int
	var changes []audit.Change
	for i, r := range reqs {
		j := sol.Right[i]
		if j < 0 {
			res.Unassigned = append(res.Unassigned, r.ID)
			continue
		}
		sl := slots[j]
		e, _ := s.explain(r, sps[sl.specialist], sl, load[sl.specialist])
		c := &Consultation{RequestID: r.ID, SpecialistID: sps[sl.specialist].ID, Starts: sl.starts, Minutes: sl.minutes,
			Token: rand.Text(), Explanation: e, AssignedBy: "optimiser", CreatedAt: now}
		res.Cost += c.Explanation.Cost
		res.Assigned, capacity = append(res.Assigned, c), append(capacity, sl.capacity)
		changes = append(changes, audit.Change{Actor: a.Name, Action: "assign", Entity: "consult_request", EntityID: r.ID,
			Before: map[string]any{"state": RequestOpen}, After: c.audited()})
	}
	return res, capacity, changes, nil
}

// explain returns the terms of the cost of request r in slot sl of sp, who
// holds load consultations, and whether the optimiser may make the pairing:
// sp practises the specialty, the slot lies in one of the clinic's windows,
// and the language rule allows it.
func (s *Service) explain(r *Request, sp *Specialist, sl slot, load int64) (Explanation, bool) {
	e, ok := s.pairing(r, sp, load)
	e.WaitingMinutes = max(minutes(sl.starts)-minutes(r.CreatedAt), 0)
	e.WaitingCost = e.WaitingMinutes * e.UrgencyWeight
	e.Cost = e.WaitingCost + e.LanguagePenalty + e.LoadCost
	return e, ok && fits(r.Windows, sl)
}

// pairing returns the terms of explain that are the same in every slot of
// sp, and whether the optimiser may pair r with sp at all, windows aside:
// the problem weighs them once per specialist rather than once per slot.
func (s *Service) pairing(r *Request, sp *Specialist, load int64) (Explanation, bool) {
	e := Explanation{UrgencyWeight: s.weight(r.Urgency)}
	speaks := sp.Speaks(r.Language)
	if !speaks {
		e.LanguagePenalty = s.Costs.LanguagePenalty
	}
	e.Load, e.LoadCost = load, load*s.Costs.LoadWeight
	return e, sp.Offers(r.Specialty) && (speaks || !s.Costs.HardLanguage)
}

// minutes counts whole minutes since 1970, so that waits add up exactly.
func minutes(t time.Time) int64 { return t.Unix() / 60 }

func (s *Service) weight(u Urgency) int64 {
	if w := s.Costs.Weights[u]; w > 0 {
		return w
	}
	return 1
}

// fits reports whether a slot lies in one of the windows; no windows means
// any time.
func fits(ws []Window, sl slot) bool {
	return len(ws) == 0 || within(ws, sl.starts, sl.starts.Add(time.Duration(sl.minutes)*time.Minute))
}

// within reports whether one of the windows holds the time from start to
// end.
func within(ws []Window, start, end time.Time) bool {
	for _, w := range ws {
		if w.Holds(start, end) {
			return true
		}
	}
	return false
}

// Reassign puts a request into the given slot of a specialist by an
// official's choice, whether it was open or assigned; the slot must be one of
// the specialist's and have room.
func (s *Service) Reassign(ctx context.Context, requestID, specialistID string, starts time.Time) (*Consultation, error) {
	a, err := official(ctx, "reassign consultations")
	if err != nil {
		return nil, err
	}
	r, err := s.store.FindRequest(ctx, requestID)
	if err != nil {
		return nil, err
	}
	if !a.Sees(r.Region) {
		return nil, tide.NotFound("request")
	}
	if r.State != RequestOpen && r.State != RequestAssigned {
		return nil, &tide.Error{Code: tide.ECONFLICT, Field: "state", Message: fmt.Sprintf("a %s request cannot be reassigned", r.State)}
	}
	sp, err := s.store.FindSpecialist(ctx, specialistID)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return nil, tide.Invalid("specialist", "specialist %s does not exist", specialistID)
	} else if err != nil {
		return nil, err
	}
	if !sp.Offers(r.Specialty) {
		return nil, tide.Invalid("specialist", "%s does not practise %s", sp.Name, r.Specialty)
	}
	starts = starts.UTC()
	now := s.Now().UTC()
	var chosen *slot
	for _, sl := range s.slots(sp, 0, starts, starts.Add(time.Minute)) {
		if sl.starts.Equal(starts) {
			chosen = &sl
		}
	}
	if chosen == nil {
		return nil, tide.Invalid("starts", "%s has no slot starting at %s", sp.Name, starts.In(s.zone()).Format("2006-01-02 15:04"))
	}
	if !starts.After(now) {
		return nil, tide.Invalid("starts", "the slot has already begun")
	}
	booked, err := s.store.Bookings(ctx, now, now.Add(s.Horizon))
	if err != nil {
		return nil, err
	}
	var held int64
	for k, n := range booked {
		if k.Specialist == sp.ID {
			held += int64(n)
		}
	}
	// An official may place a request outside its windows or past the
	// language rule; the explanation still shows what that costs.
	e, _ := s.explain(r, sp, *chosen, held)
	e.Manual = true
	c := &Consultation{RequestID: r.ID, SpecialistID: sp.ID, Starts: starts, Minutes: chosen.minutes, Token: rand.Text(),
		Explanation: e, AssignedBy: a.Name, CreatedAt: now}
	var before any = map[string]any{"state": r.State}
	if old, err := s.store.FindConsultation(ctx, r.ID); err == nil {
		before = old.audited()
	}
	ch := audit.Change{Actor: a.Name, Action: "reassign", Entity: "consult_request", EntityID: r.ID, Before: before, After: c.audited()}
	if err := s.store.Rebook(ctx, c, chosen.capacity, ch); err != nil {
		return nil, err
	}
	return c, nil
}

// audited is the consultation as the audit log keeps it: without its room
// token, which is a key to the room.
func (c *Consultation) audited() *Consultation {
	a := *c
	a.Token = ""
	return &a
}

func (s *Service) zone() *time.Location {
	if s.Zone == nil {
		return time.UTC
	}
	return s.Zone
}

// Run assigns open requests every interval until ctx ends, as the system.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Assign(tide.WithActor(ctx, tide.System)); err != nil && s.OnError != nil && ctx.Err() == nil {
				s.OnError(err)
			}
		}
	}
}
