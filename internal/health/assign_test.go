package health_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// placesTaken counts the consultations in each slot.
func placesTaken(tb testing.TB, db *sqlstore.DB) map[health.SlotKey]int {
	tb.Helper()
	rows, err := db.SQL().Query("SELECT specialist_id, starts_at FROM consultations")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	out := map[health.SlotKey]int{}
	for rows.Next() {
		var k health.SlotKey
		if err := rows.Scan(&k.Specialist, &k.Starts); err != nil {
			tb.Fatal(err)
		}
		out[k]++
	}
	return out
}

// TestAssignUrgencyFirst offers eight places for ten cardiology requests:
// the routine ones, filed first, are the ones left over, the emergencies
// take the first slots, and no slot holds more than its one place.
func TestAssignUrgencyFirst(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		urgency := map[string]health.Urgency{}
		for i, u := range []health.Urgency{health.Routine, health.Routine, health.Routine, health.Routine, health.Routine,
			health.Urgent, health.Urgent, health.Urgent, health.Emergency, health.Emergency} {
			at := monday.Add(time.Duration(i-10) * time.Minute) // filed in this order, the routine ones first
			b.svc.Now = func() time.Time { return at }
			r := b.file(t, func(r *health.Request) { r.Urgency = u })
			urgency[r.ID] = u
		}
		b.svc.Now = func() time.Time { return monday }
		res, err := b.svc.Assign(as(b.county))
		if err != nil {
			t.Fatalf("assign: %v", err)
		}
		if len(res.Assigned) != 8 || len(res.Unassigned) != 2 {
			t.Fatalf("assigned %d, left %d; want 8 and 2", len(res.Assigned), len(res.Unassigned))
		}
		for _, id := range res.Unassigned {
			if urgency[id] != health.Routine {
				t.Errorf("a %s request was left unassigned while routine ones were served", urgency[id])
			}
		}
		nine := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		for _, c := range res.Assigned {
			if urgency[c.RequestID] == health.Emergency && !c.Starts.Equal(nine) {
				t.Errorf("an emergency starts at %s, want one of the 09:00 slots", c.Starts)
			}
		}
		for k, n := range placesTaken(t, db) {
			if n > 1 {
				t.Errorf("slot %s at %d holds %d consultations; its capacity is 1", k.Specialist, k.Starts, n)
			}
		}
		list, _, err := b.svc.Requests(as(b.staff), health.RequestFilter{States: []health.RequestState{health.RequestOpen}})
		if err != nil || len(list) != 2 {
			t.Errorf("open requests after the run = %d, %v; want 2", len(list), err)
		}
		again, err := b.svc.Assign(as(b.county))
		if err != nil || len(again.Assigned) != 0 || len(again.Unassigned) != 2 {
			t.Errorf("a second run = %+v, %v; want nothing more assigned with every place taken", again, err)
		}
		if _, err := b.svc.Assign(as(b.staff)); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("clinic staff runs the optimiser: %v, want EFORBIDDEN", err)
		}
	})
}

// TestAssignExplanation checks each term of an assignment's cost: the
// waiting by urgency, the language penalty, and the load of a specialist
// already holding a consultation.
func TestAssignExplanation(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		hmong := b.file(t, func(r *health.Request) { r.Urgency, r.Language = health.Urgent, "hmn" })
		res, err := b.svc.Assign(as(b.county))
		if err != nil || len(res.Assigned) != 1 {
			t.Fatalf("assign: %+v, %v", res, err)
		}
		c := res.Assigned[0]
		want := health.Explanation{WaitingMinutes: 60, UrgencyWeight: 10, WaitingCost: 600, Cost: 600}
		if c.SpecialistID != b.sp2.ID || c.Explanation != want {
			t.Errorf("the Hmong-speaking patient got %s with %+v; want Dr Yang (who speaks Hmong) with %+v", c.SpecialistID, c.Explanation, want)
		}
		if c.Token == "" || len(c.Token) < 20 {
			t.Errorf("room token %q is too short to be unguessable", c.Token)
		}
		entries, _, err := db.FindAuditEntries(context.Background(), audit.Filter{Entity: "consult_request", EntityID: hmong.ID, Limit: 10})
		if err != nil || len(entries) != 2 || entries[0].Action != "assign" || entries[0].Actor != "county1" {
			t.Errorf("audit of the request = %+v, %v; want create then assign by county1", entries, err)
		}
		for _, e := range entries {
			if strings.Contains(string(e.After), c.Token) {
				t.Errorf("the audit log keeps the room token: %s", e.After)
			}
		}
		stored, err := b.svc.Consultation(as(b.staff), hmong.ID)
		if err != nil || stored.Explanation != want || stored.Token != c.Token {
			t.Errorf("stored consultation = %+v, %v; want the explanation and token kept", stored, err)
		}

		// Dr Yang now holds one consultation, so a routine patient goes to
		// Dr Wang's free 09:00 slot, at no load.
		routine := b.file(t, nil)
		res, err = b.svc.Assign(as(b.county))
		if err != nil || len(res.Assigned) != 1 {
			t.Fatalf("assign: %+v, %v", res, err)
		}
		c = res.Assigned[0]
		want = health.Explanation{WaitingMinutes: 60, UrgencyWeight: 1, WaitingCost: 60, Cost: 60}
		if c.RequestID != routine.ID || c.SpecialistID != b.sp1.ID || c.Explanation != want {
			t.Errorf("routine patient got %s with %+v; want Dr Wang with %+v", c.SpecialistID, c.Explanation, want)
		}

		// A Cantonese speaker: nobody speaks it, so the penalty is paid, and
		// both doctors hold one consultation.
		b.file(t, func(r *health.Request) { r.Language = "yue" })
		res, err = b.svc.Assign(as(b.county))
		if err != nil || len(res.Assigned) != 1 {
			t.Fatalf("assign: %+v, %v", res, err)
		}
		want = health.Explanation{WaitingMinutes: 90, UrgencyWeight: 1, WaitingCost: 90, LanguagePenalty: 600, Load: 1, LoadCost: 30, Cost: 720}
		if got := res.Assigned[0].Explanation; got != want {
			t.Errorf("explanation = %+v, want %+v", got, want)
		}

		// With the hard language rule a request nobody understands waits.
		b.svc.Costs.HardLanguage = true
		b.file(t, func(r *health.Request) { r.Language = "yue" })
		res, err = b.svc.Assign(as(b.county))
		if err != nil || len(res.Assigned) != 0 || len(res.Unassigned) != 1 {
			t.Errorf("with the hard rule: %+v, %v; want the request left open", res, err)
		}
	})
}

// TestAssignWindows keeps a request to the times its clinic can do.
func TestAssignWindows(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		ten := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		b.file(t, func(r *health.Request) {
			r.Urgency = health.Emergency
			r.Windows = []health.Window{{From: ten, To: ten.Add(time.Hour)}}
		})
		res, err := b.svc.Assign(as(b.county))
		if err != nil || len(res.Assigned) != 1 {
			t.Fatalf("assign: %+v, %v", res, err)
		}
		if got := res.Assigned[0].Starts; !got.Equal(ten) {
			t.Errorf("the consultation starts at %s, want %s, the first slot in the clinic's window", got, ten)
		}
	})
}

// TestStoreNeverOverbooks asks the store directly to put two consultations
// into a slot of one place: it refuses and writes nothing.
func TestStoreNeverOverbooks(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		r1, r2 := b.file(t, nil), b.file(t, nil)
		nine := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		cs := []*health.Consultation{
			{RequestID: r1.ID, SpecialistID: b.sp1.ID, Starts: nine, Minutes: 30, Token: "token-one-aaaaaaaaaaaaaa", AssignedBy: "test"},
			{RequestID: r2.ID, SpecialistID: b.sp1.ID, Starts: nine, Minutes: 30, Token: "token-two-aaaaaaaaaaaaaa", AssignedBy: "test"},
		}
		before := b.state(t)
		err := db.Book(context.Background(), cs, []int{1, 1}, []audit.Change{{Actor: "test", Action: "assign", Entity: "consult_request", EntityID: r1.ID}})
		wantRefused(t, "book two into one place", err, tide.ECONFLICT, "starts")
		if after := b.state(t); after != before {
			t.Errorf("a refused booking changed the store:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// TestReassign moves a consultation by hand: into a full slot or one the
// specialist does not hold it is refused and nothing changes; into a free
// slot it moves, and the old slot is free again.
func TestReassign(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		r1, r2 := b.file(t, nil), b.file(t, nil)
		if _, err := b.svc.Assign(as(b.county)); err != nil {
			t.Fatal(err)
		}
		c1, err := b.svc.Consultation(as(b.county), r1.ID)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := b.svc.Consultation(as(b.county), r2.ID)
		if err != nil {
			t.Fatal(err)
		}
		before := b.state(t)
		_, err = b.svc.Reassign(as(b.county), r1.ID, c2.SpecialistID, c2.Starts)
		wantRefused(t, "reassign into a full slot", err, tide.ECONFLICT, "starts")
		_, err = b.svc.Reassign(as(b.county), r1.ID, b.sp1.ID, time.Date(2026, 3, 2, 9, 10, 0, 0, time.UTC))
		wantRefused(t, "reassign to no slot", err, tide.EINVALID, "starts")
		_, err = b.svc.Reassign(as(b.county), r1.ID, "nobody", c1.Starts)
		wantRefused(t, "reassign to no specialist", err, tide.EINVALID, "specialist")
		_, err = b.svc.Reassign(as(b.staff), r1.ID, b.sp1.ID, c1.Starts)
		wantRefused(t, "clinic staff reassigns", err, tide.EFORBIDDEN, "")
		if after := b.state(t); after != before {
			t.Errorf("refused reassignments changed the store:\nbefore %s\nafter  %s", before, after)
		}

		eleven := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
		moved, err := b.svc.Reassign(as(b.county), r1.ID, b.sp1.ID, eleven)
		if err != nil {
			t.Fatalf("reassign: %v", err)
		}
		if !moved.Explanation.Manual || moved.Token == c1.Token || moved.AssignedBy != "county1" {
			t.Errorf("moved consultation = %+v; want a manual choice by county1 with a new room token", moved)
		}
		booked, err := db.Bookings(context.Background(), monday, monday.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if n := booked[health.SlotKey{Specialist: c1.SpecialistID, Starts: c1.Starts.Unix()}]; n != 0 {
			t.Errorf("the old slot still holds %d places", n)
		}
		if n := booked[health.SlotKey{Specialist: b.sp1.ID, Starts: eleven.Unix()}]; n != 1 {
			t.Errorf("the new slot holds %d places, want 1", n)
		}
	})
}

// TestStoreBooksConcurrently has five runs at once each book a different
// request into the same one-place slot: one gets it, the others are refused,
// and the slot holds one consultation.
func TestStoreBooksConcurrently(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		nine := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		var reqs []*health.Request
		for range 5 {
			reqs = append(reqs, b.file(t, nil))
		}
		errs := make(chan error, len(reqs))
		for i, r := range reqs {
			go func() {
				c := &health.Consultation{RequestID: r.ID, SpecialistID: b.sp1.ID, Starts: nine, Minutes: 30,
					Token: fmt.Sprintf("token-%d-aaaaaaaaaaaaaaaa", i), AssignedBy: "test"}
				errs <- db.Book(context.Background(), []*health.Consultation{c}, []int{1},
					[]audit.Change{{Actor: "test", Action: "assign", Entity: "consult_request", EntityID: r.ID}})
			}()
		}
		booked := 0
		for range reqs {
			switch err := <-errs; tide.ErrorCode(err) {
			case "":
				booked++
			case tide.ECONFLICT:
			default:
				t.Errorf("book: %v, want success or ECONFLICT", err)
			}
		}
		if n := placesTaken(t, db)[health.SlotKey{Specialist: b.sp1.ID, Starts: nine.Unix()}]; booked != 1 || n != 1 {
			t.Errorf("%d runs booked and the slot holds %d consultations; want 1 and 1", booked, n)
		}
	})
}
