package health

import (
	"context"
	"time"
)

// ScheduleSlot is one of a specialist's coming slots and how full it is.
type ScheduleSlot struct {
	Starts   time.Time `json:"starts"`
	Minutes  int       `json:"minutes"`
	Capacity int       `json:"capacity"`
	Booked   int       `json:"booked"`
}

// Schedule returns the specialist the actor is and their slots from now to
// the end of the horizon, each with its places taken.
func (s *Service) Schedule(ctx context.Context) (*Specialist, []ScheduleSlot, error) {
	sp, err := s.Me(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := s.Now().UTC()
	booked, err := s.store.Bookings(ctx, now, now.Add(s.Horizon))
	if err != nil {
		return nil, nil, err
	}
	var out []ScheduleSlot
	for _, sl := range s.slots(sp, 0, now, now.Add(s.Horizon)) {
		out = append(out, ScheduleSlot{Starts: sl.starts, Minutes: sl.minutes, Capacity: sl.capacity,
			Booked: booked[SlotKey{Specialist: sp.ID, Starts: sl.starts.Unix()}]})
	}
	return sp, out, nil
}
