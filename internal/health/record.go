package health

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// NewFollowUp is a follow-up task as the specialist writes it.
type NewFollowUp struct {
	Task string `json:"task"`
	Due  string `json:"due"` // YYYY-MM-DD
}

// WriteRecord lets the assigned specialist write the advice, prescription
// and referral of a consultation, with follow-up tasks for the clinic. The
// request is then done; writing again replaces the text.
func (s *Service) WriteRecord(ctx context.Context, rec *Record, tasks []NewFollowUp) error {
	a, err := signedIn(ctx, "write records")
	if err != nil {
		return err
	}
	c, err := s.store.FindConsultation(ctx, rec.RequestID)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return tide.NotFound("consultation")
	} else if err != nil {
		return err
	}
	if party, err := s.party(ctx, a, c); err != nil {
		return err
	} else if party != PartySpecialist {
		return tide.NotFound("consultation")
	}
	r, err := s.store.FindRequest(ctx, rec.RequestID)
	if err != nil {
		return err
	}
	rec.Advice, rec.Prescription, rec.Referral = strings.TrimSpace(rec.Advice), strings.TrimSpace(rec.Prescription), strings.TrimSpace(rec.Referral)
	if rec.Advice == "" || utf8.RuneCountInString(rec.Advice) > MaxRecord {
		return tide.Invalid("advice", "advice must have 1 to %d characters", MaxRecord)
	}
	for field, v := range map[string]string{"prescription": rec.Prescription, "referral": rec.Referral} {
		if utf8.RuneCountInString(v) > MaxRecord {
			return tide.Invalid(field, "%s must have at most %d characters", field, MaxRecord)
		}
	}
	if len(tasks) > MaxFollowUps {
		return tide.Invalid("follow_ups", "at most %d follow-ups", MaxFollowUps)
	}
	now := s.Now().UTC()
	var fus []*FollowUp
	for i, t := range tasks {
		field := fmt.Sprintf("follow_ups[%d]", i)
		t.Task = strings.TrimSpace(t.Task)
		if t.Task == "" || utf8.RuneCountInString(t.Task) > MaxName*2 {
			return tide.Invalid(field+".task", "a task must have 1 to %d characters", MaxName*2)
		}
		due, err := time.Parse(time.DateOnly, t.Due)
		if err != nil || due.Before(now.Truncate(24*time.Hour)) {
			return tide.Invalid(field+".due", "due is a date (YYYY-MM-DD) from today on")
		}
		fus = append(fus, &FollowUp{ID: NewID(), RequestID: r.ID, ClinicID: r.ClinicID, Task: t.Task, Due: t.Due, CreatedAt: now})
	}
	rec.WrittenBy, rec.WrittenAt = a.Name, now
	ch := audit.Change{Actor: a.Name, Action: "write_record", Entity: "consult_request", EntityID: r.ID,
		Before: map[string]any{"state": r.State}, After: map[string]any{"record": rec, "follow_ups": fus}}
	return s.store.WriteRecord(ctx, rec, fus, ch)
}

// Record returns a request's record to whoever may read the request.
func (s *Service) Record(ctx context.Context, requestID string) (*Record, error) {
	if _, err := s.Request(ctx, requestID); err != nil {
		return nil, err
	}
	return s.store.FindRecord(ctx, requestID)
}

// FollowUps lists the follow-ups of the actor's clinics (or of one request
// they may read); due, when set, keeps those due by that date and not done.
func (s *Service) FollowUps(ctx context.Context, requestID, due string) ([]*FollowUp, error) {
	a, err := signedIn(ctx, "see follow-ups")
	if err != nil {
		return nil, err
	}
	f := FollowUpFilter{RequestID: requestID, DueBy: due, Limit: 500}
	if due != "" {
		if _, err := time.Parse(time.DateOnly, due); err != nil {
			return nil, tide.Invalid("due", "due is a date such as 2026-05-01")
		}
	}
	if requestID != "" {
		if _, err := s.Request(ctx, requestID); err != nil {
			return nil, err
		}
	} else {
		ids, err := s.myClinics(ctx, a)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, nil
		}
		f.ClinicIDs = ids
	}
	return s.store.FindFollowUps(ctx, f)
}

// CompleteFollowUp marks a follow-up done; its clinic's staff may.
func (s *Service) CompleteFollowUp(ctx context.Context, id string) (*FollowUp, error) {
	a, err := signedIn(ctx, "complete follow-ups")
	if err != nil {
		return nil, err
	}
	fu, err := s.store.FindFollowUp(ctx, id)
	if err != nil {
		return nil, err
	}
	ids, err := s.myClinics(ctx, a)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ids, fu.ClinicID) {
		return nil, tide.NotFound("follow-up")
	}
	ch := audit.Change{Actor: a.Name, Action: "complete_follow_up", Entity: "consult_request", EntityID: fu.RequestID,
		After: map[string]string{"follow_up": fu.ID}}
	if err := s.store.CompleteFollowUp(ctx, id, ch); err != nil {
		return nil, err
	}
	fu.Done = true
	return fu, nil
}
