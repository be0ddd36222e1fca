package health_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// assigned files a request and assigns it, returning its consultation.
func (b *bench) assigned(tb testing.TB) (*health.Request, *health.Consultation) {
	tb.Helper()
	r := b.file(tb, nil)
	if _, err := b.svc.Assign(as(b.county)); err != nil {
		tb.Fatalf("assign: %v", err)
	}
	c, err := b.svc.Consultation(as(b.county), r.ID)
	if err != nil {
		tb.Fatalf("find consultation: %v", err)
	}
	return r, c
}

func TestEnterRoom(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		_, c := b.assigned(t)
		doctor := b.doctor1
		if c.SpecialistID == b.sp2.ID {
			doctor = b.doctor2
		}
		at := func(d time.Time) { b.svc.Now = func() time.Time { return d } }

		at(c.Starts.Add(-time.Minute))
		for _, tc := range []struct {
			who   *tide.Actor
			party string
		}{{b.staff, health.PartyClinic}, {doctor, health.PartySpecialist}} {
			pass, err := b.svc.EnterRoom(as(tc.who), c.Token)
			if err != nil || pass.Party != tc.party || pass.Consultation != c.RequestID {
				t.Errorf("%s enters: %+v, %v; want party %s", tc.who.Name, pass, err, tc.party)
				continue
			}
			if !pass.Opens.Equal(c.Starts.Add(-15*time.Minute)) || !pass.Closes.Equal(c.Starts.Add(60*time.Minute)) {
				t.Errorf("window = %s to %s, want 15 minutes before to 60 after %s", pass.Opens, pass.Closes, c.Starts)
			}
		}
		for _, who := range []*tide.Actor{b.other, b.stranger, b.county} {
			_, err := b.svc.EnterRoom(as(who), c.Token)
			wantRefused(t, who.Name+" enters", err, tide.EFORBIDDEN, "")
		}
		_, err := b.svc.EnterRoom(as(b.staff), "no-such-room")
		wantRefused(t, "an unknown token", err, tide.ENOTFOUND, "")
		_, err = b.svc.EnterRoom(as(b.staff), strings.ToUpper(c.Token[:len(c.Token)-1])+"x")
		wantRefused(t, "a guessed token", err, tide.ENOTFOUND, "")

		for name, d := range map[string]time.Time{
			"TooEarly": c.Starts.Add(-16 * time.Minute),
			"TooLate":  c.Starts.Add(60 * time.Minute),
		} {
			at(d)
			pass, err := b.svc.EnterRoom(as(b.staff), c.Token)
			wantRefused(t, name, err, tide.ECONFLICT, "window")
			if pass == nil || !pass.Opens.Equal(c.Starts.Add(-15*time.Minute)) {
				t.Errorf("%s: pass %+v; want it returned with the window", name, pass)
			}
			if err != nil && !strings.Contains(err.Error(), c.Starts.Add(-15*time.Minute).Format("15:04")) {
				t.Errorf("%s: %q does not name the window's opening", name, err)
			}
		}

		at(monday)
		if _, err := b.svc.SetExternalURL(as(b.staff), c.RequestID, "http://meet.example.org/x"); tide.ErrorField(err) != "external_url" {
			t.Errorf("a plain http meeting link: %v, want refused on external_url", err)
		}
		if _, err := b.svc.SetExternalURL(as(b.stranger), c.RequestID, "https://meet.example.org/x"); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another clinic sets the link: %v, want ENOTFOUND", err)
		}
		if _, err := b.svc.SetExternalURL(as(doctor), c.RequestID, "https://meet.example.org/x"); err != nil {
			t.Fatalf("the specialist sets the link: %v", err)
		}
		at(c.Starts)
		pass, err := b.svc.EnterRoom(as(b.staff), c.Token)
		if err != nil || pass.ExternalURL != "https://meet.example.org/x" {
			t.Errorf("pass = %+v, %v; want the external meeting", pass, err)
		}
	})
}

func TestRecordAndFollowUps(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		r, c := b.assigned(t)
		doctor, outsider := b.doctor1, b.doctor2
		if c.SpecialistID == b.sp2.ID {
			doctor, outsider = b.doctor2, b.doctor1
		}
		rec := &health.Record{RequestID: r.ID, Advice: "Rest; low-salt diet", Prescription: "Aspirin 100 mg daily", Referral: "County hospital ECG"}
		tasks := []health.NewFollowUp{{Task: "Measure blood pressure", Due: "2026-03-09"}, {Task: "Review in a month", Due: "2026-04-02"}}

		before := b.state(t)
		if err := b.svc.WriteRecord(as(outsider), rec, tasks); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another specialist writes: %v, want ENOTFOUND", err)
		}
		if err := b.svc.WriteRecord(as(b.staff), rec, tasks); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("the clinic writes the record: %v, want ENOTFOUND", err)
		}
		bad := *rec
		bad.Advice = ""
		wantRefused(t, "no advice", b.svc.WriteRecord(as(doctor), &bad, nil), tide.EINVALID, "advice")
		wantRefused(t, "a past due date", b.svc.WriteRecord(as(doctor), rec, []health.NewFollowUp{{Task: "x", Due: "2026-03-01"}}),
			tide.EINVALID, "follow_ups[0].due")
		if after := b.state(t); after != before {
			t.Errorf("refused records changed the store:\nbefore %s\nafter  %s", before, after)
		}

		if got, err := b.svc.Request(as(doctor), r.ID); err != nil || got.Patient.Name != "Li Hua" {
			t.Fatalf("the assigned specialist reads the request: %+v, %v", got, err)
		}
		if err := b.svc.WriteRecord(as(doctor), rec, tasks); err != nil {
			t.Fatalf("write record: %v", err)
		}
		got, err := b.svc.Record(as(b.staff), r.ID)
		if err != nil || got.Advice != rec.Advice || got.Prescription != rec.Prescription || got.Referral != rec.Referral {
			t.Errorf("the clinic reads %+v, %v; want the specialist's record", got, err)
		}
		if req, _ := b.svc.Request(as(b.staff), r.ID); req == nil || req.State != health.RequestDone {
			t.Errorf("request after the record = %+v, want done", req)
		}
		if _, err := b.svc.Record(as(b.stranger), r.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another clinic reads the record: %v, want ENOTFOUND", err)
		}

		due, err := b.svc.FollowUps(as(b.staff), "", "2026-03-10")
		if err != nil || len(due) != 1 || due[0].Task != "Measure blood pressure" {
			t.Fatalf("follow-ups due by 10 March = %+v, %v; want the blood pressure", due, err)
		}
		if _, err := b.svc.CompleteFollowUp(as(b.stranger), due[0].ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another clinic completes: %v, want ENOTFOUND", err)
		}
		if _, err := b.svc.CompleteFollowUp(as(b.staff), due[0].ID); err != nil {
			t.Fatalf("complete: %v", err)
		}
		if _, err := b.svc.CompleteFollowUp(as(b.staff), due[0].ID); tide.ErrorCode(err) != tide.ECONFLICT {
			t.Errorf("complete twice: %v, want ECONFLICT", err)
		}
		if due, _ := b.svc.FollowUps(as(b.staff), "", "2026-03-10"); len(due) != 0 {
			t.Errorf("follow-ups due after completing = %d, want 0", len(due))
		}
		all, err := b.svc.FollowUps(as(b.staff), r.ID, "")
		if err != nil || len(all) != 2 {
			t.Errorf("the request's follow-ups = %d, %v; want 2", len(all), err)
		}
	})
}

func TestReport(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		b.file(t, func(r *health.Request) { r.Urgency = health.Urgent })
		b.file(t, func(r *health.Request) { r.Specialty = "neurology" }) // nobody offers it
		if _, err := b.svc.Assign(as(b.county)); err != nil {
			t.Fatal(err)
		}
		rep, err := b.svc.Report(as(b.county), "", monday.AddDate(0, 0, -1), monday.AddDate(0, 0, 7))
		if err != nil {
			t.Fatalf("report: %v", err)
		}
		if len(rep.Waiting) != 1 || rep.Waiting[0].Urgency != health.Urgent || rep.Waiting[0].Count != 1 || rep.Waiting[0].MeanMinutes != 60 {
			t.Errorf("waiting = %+v; want one urgent cardiology consultation after 60 minutes", rep.Waiting)
		}
		if len(rep.Unmet) != 1 || rep.Unmet[0].Prefecture != "5226" || rep.Unmet[0].Specialty != "neurology" || rep.Unmet[0].Open != 1 {
			t.Errorf("unmet = %+v; want one neurology request in 5226", rep.Unmet)
		}
		var used *health.Utilisation
		for _, u := range rep.Utilisation {
			if u.Booked > 0 {
				used = u
			}
		}
		// Four one-place slots on the one Monday in the period.
		if used == nil || used.Places != 4 || used.Booked != 1 || used.Percent != 25 {
			t.Errorf("utilisation = %+v; want one specialist at 1 of 4 places", used)
		}
		if _, err := b.svc.Report(as(b.staff), "", time.Time{}, time.Time{}); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("clinic staff reads the report: %v, want EFORBIDDEN", err)
		}
		other := &tide.Actor{UserID: 99, Name: "county2", Roles: []tide.Role{tide.RoleCounty}, Scope: "522602"}
		rep, err = b.svc.Report(as(other), "", monday.AddDate(0, 0, -1), monday.AddDate(0, 0, 7))
		if err != nil || len(rep.Waiting) != 0 || len(rep.Unmet) != 0 {
			t.Errorf("another county's report = %+v, %v; want nothing of 522601", rep, err)
		}
	})
}

// TestCancelRequest withdraws a booked request: its place is free again and
// its room is gone; another clinic cannot cancel, and a cancelled request
// cannot be cancelled again.
func TestCancelRequest(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		r, c := b.assigned(t)
		if _, err := b.svc.CancelRequest(as(b.stranger), r.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another clinic cancels: %v, want ENOTFOUND", err)
		}
		got, err := b.svc.CancelRequest(as(b.staff), r.ID)
		if err != nil || got.State != health.RequestCancelled {
			t.Fatalf("cancel = %+v, %v; want cancelled", got, err)
		}
		if n := placesTaken(t, db)[health.SlotKey{Specialist: c.SpecialistID, Starts: c.Starts.Unix()}]; n != 0 {
			t.Errorf("the cancelled consultation still holds %d places", n)
		}
		b.svc.Now = func() time.Time { return c.Starts }
		if _, err := b.svc.EnterRoom(as(b.staff), c.Token); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("enter a cancelled consultation's room: %v, want ENOTFOUND", err)
		}
		wantRefused(t, "cancel twice", func() error { _, err := b.svc.CancelRequest(as(b.staff), r.ID); return err }(), tide.ECONFLICT, "state")
	})
}
