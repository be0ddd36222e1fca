package health

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// RoomPass is what entering a consultation's video room gives.
type RoomPass struct {
	Consultation string    `json:"consultation"`
	Party        string    `json:"party"` // "clinic" or "specialist"
	Opens        time.Time `json:"opens"`
	Closes       time.Time `json:"closes"`
	ExternalURL  string    `json:"external_url,omitempty"`
}

// The parties of a room.
const (
	PartyClinic     = "clinic"
	PartySpecialist = "specialist"
)

// RoomWindow is when a consultation's room is open.
func (s *Service) RoomWindow(c *Consultation) (opens, closes time.Time) {
	return c.Starts.Add(-s.RoomBefore), c.Starts.Add(s.RoomAfter)
}

// EnterRoom lets the assigned specialist or the requesting clinic's staff
// into a consultation's room while it is open: from RoomBefore the
// appointment until RoomAfter its start. An unknown token is not found; a
// third person is forbidden; outside the window is a conflict naming it,
// returned with the pass so that a page can show the window.
func (s *Service) EnterRoom(ctx context.Context, token string) (*RoomPass, error) {
	a, err := signedIn(ctx, "enter a consultation room")
	if err != nil {
		return nil, err
	}
	c, err := s.store.FindConsultationByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	party, err := s.party(ctx, a, c)
	if err != nil {
		return nil, err
	}
	if party == "" {
		return nil, tide.Errorf(tide.EFORBIDDEN, "only the assigned specialist and the requesting clinic may enter this room")
	}
	opens, closes := s.RoomWindow(c)
	pass := &RoomPass{Consultation: c.RequestID, Party: party, Opens: opens, Closes: closes, ExternalURL: c.ExternalURL}
	if now := s.Now(); now.Before(opens) || !now.Before(closes) {
		z := s.zone()
		return pass, &tide.Error{Code: tide.ECONFLICT, Field: "window", Message: fmt.Sprintf(
			"the room is open from %s to %s only", opens.In(z).Format("2006-01-02 15:04"), closes.In(z).Format("2006-01-02 15:04 MST"))}
	}
	return pass, nil
}

// party returns which side of consultation c the actor is on, or "".
func (s *Service) party(ctx context.Context, a *tide.Actor, c *Consultation) (string, error) {
	if a.Has(tide.RoleSpecialist) {
		sp, err := s.store.FindSpecialist(ctx, c.SpecialistID)
		if err != nil {
			return "", err
		}
		if sp.UserID == a.UserID {
			return PartySpecialist, nil
		}
	}
	if a.Has(tide.RoleClinic) {
		r, err := s.store.FindRequest(ctx, c.RequestID)
		if err != nil {
			return "", err
		}
		cl, err := s.store.FindClinic(ctx, r.ClinicID)
		if err != nil {
			return "", err
		}
		for _, id := range cl.Staff {
			if id == a.UserID {
				return PartyClinic, nil
			}
		}
	}
	return "", nil
}

// SetExternalURL has a consultation meet at an external meeting instead of
// Tide's room; an empty URL goes back to the room. Either party or an
// official whose area holds the request may.
func (s *Service) SetExternalURL(ctx context.Context, requestID, link string) (*Consultation, error) {
	a, err := signedIn(ctx, "set a meeting link")
	if err != nil {
		return nil, err
	}
	c, err := s.store.FindConsultation(ctx, requestID)
	if err != nil {
		return nil, err
	}
	r, err := s.store.FindRequest(ctx, requestID)
	if err != nil {
		return nil, err
	}
	party, err := s.party(ctx, a, c)
	if err != nil {
		return nil, err
	}
	if party == "" && !(a.HasAny(officials...) && a.Sees(r.Region)) {
		return nil, tide.NotFound("consultation")
	}
	link = strings.TrimSpace(link)
	if link != "" {
		u, err := url.Parse(link)
		if err != nil || u.Scheme != "https" || u.Host == "" || len(link) > 500 {
			return nil, tide.Invalid("external_url", "a meeting link is an https:// address of at most 500 characters")
		}
	}
	ch := audit.Change{Actor: a.Name, Action: "set_meeting", Entity: "consult_request", EntityID: requestID,
		Before: map[string]string{"external_url": c.ExternalURL}, After: map[string]string{"external_url": link}}
	if err := s.store.SetExternalURL(ctx, requestID, link, ch); err != nil {
		return nil, err
	}
	c.ExternalURL = link
	return c, nil
}

// Consultation returns a request's appointment to whoever may read the request.
func (s *Service) Consultation(ctx context.Context, requestID string) (*Consultation, error) {
	if _, err := s.Request(ctx, requestID); err != nil {
		return nil, err
	}
	return s.store.FindConsultation(ctx, requestID)
}
