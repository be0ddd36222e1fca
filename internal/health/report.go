package health

import (
	"context"
	"sort"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

// WaitingRow is the wait from request to appointment of one urgency and
// specialty.
type WaitingRow struct {
	Urgency     Urgency `json:"urgency"`
	Specialty   string  `json:"specialty"`
	Count       int     `json:"count"`
	SumMinutes  int64   `json:"-"`
	MeanMinutes int64   `json:"mean_minutes"`
	MaxMinutes  int64   `json:"max_minutes"`
}

// UnmetRow counts the requests of a prefecture and specialty still waiting
// for a slot.
type UnmetRow struct {
	Prefecture string `json:"prefecture"`
	Specialty  string `json:"specialty"`
	Open       int    `json:"open"`
}

// Utilisation is how much of a specialist's offered places were booked in
// the period.
type Utilisation struct {
	Specialist string `json:"specialist"`
	Name       string `json:"name"`
	Hospital   string `json:"hospital"`
	Places     int    `json:"places"`
	Booked     int    `json:"booked"`
	// Percent is Booked of Places, rounded down; 0 with no places.
	Percent int `json:"percent"`
}

// Report is the evidence for where specialists' hours are short.
type Report struct {
	Prefix      string         `json:"prefix"`
	From        time.Time      `json:"from"`
	To          time.Time      `json:"to"`
	Waiting     []WaitingRow   `json:"waiting"`
	Unmet       []UnmetRow     `json:"unmet"`
	Utilisation []*Utilisation `json:"utilisation"`
}

// Report answers an official or analyst with waiting time by urgency and
// specialty and unmet requests by prefecture and specialty in their area,
// and each specialist's utilisation, over the period [from, to) (the last
// 30 days when zero).
func (s *Service) Report(ctx context.Context, prefix string, from, to time.Time) (*Report, error) {
	a, err := signedIn(ctx, "see health reports")
	if err != nil {
		return nil, err
	}
	if !a.HasAny(analysts...) {
		return nil, tide.Errorf(tide.EFORBIDDEN, "only officials and analysts see health reports")
	}
	if to.IsZero() {
		to = s.Now().UTC()
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	if !to.After(from) || to.Sub(from) > 366*24*time.Hour {
		return nil, tide.Invalid("from", "the period must end after it starts and span at most a year")
	}
	f := ReportFilter{Prefix: narrow(a.Scope, prefix), From: from.UTC(), To: to.UTC()}
	rep := &Report{Prefix: f.Prefix, From: f.From, To: f.To}
	if rep.Waiting, err = s.store.Waiting(ctx, f); err != nil {
		return nil, err
	}
	for i := range rep.Waiting {
		w := &rep.Waiting[i]
		if w.Count > 0 {
			w.MeanMinutes = w.SumMinutes / int64(w.Count)
		}
	}
	if rep.Unmet, err = s.store.Unmet(ctx, f); err != nil {
		return nil, err
	}
	booked, err := s.store.Booked(ctx, f)
	if err != nil {
		return nil, err
	}
	sps, _, err := s.store.FindSpecialists(ctx, SpecialistFilter{Limit: 1 << 20})
	if err != nil {
		return nil, err
	}
	for i, sp := range sps {
		u := &Utilisation{Specialist: sp.ID, Name: sp.Name, Hospital: sp.Hospital, Booked: booked[sp.ID]}
		for _, sl := range s.slots(sp, i, f.From, f.To) {
			u.Places += sl.capacity
		}
		if u.Places > 0 {
			u.Percent = u.Booked * 100 / u.Places
		}
		rep.Utilisation = append(rep.Utilisation, u)
	}
	sort.SliceStable(rep.Utilisation, func(i, j int) bool { return rep.Utilisation[i].Percent > rep.Utilisation[j].Percent })
	return rep, nil
}
