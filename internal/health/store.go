package health

import (
	"context"
	"time"

	"github.com/tide-project/tide/internal/audit"
)

// Store persists clinics, specialists, requests and their consultations and
// records. Every write appends its audit changes in the same transaction.
type Store interface {
	// CreateClinic checks that the region and every staff account exist.
	CreateClinic(ctx context.Context, c *Clinic, ch audit.Change) error
	// FindClinic returns the clinic with id, or ENOTFOUND.
	FindClinic(ctx context.Context, id string) (*Clinic, error)
	FindClinics(ctx context.Context, f ClinicFilter) ([]*Clinic, int, error)

	// CreateSpecialist checks that the account and region exist; an account
	// is one specialist at most (ECONFLICT).
	CreateSpecialist(ctx context.Context, sp *Specialist, ch audit.Change) error
	// UpdateSpecialist replaces a specialist's specialties, languages and hours.
	UpdateSpecialist(ctx context.Context, sp *Specialist, ch audit.Change) error
	// FindSpecialist returns the specialist with id, or ENOTFOUND.
	FindSpecialist(ctx context.Context, id string) (*Specialist, error)
	// FindSpecialistByUser returns the specialist of an account, or ENOTFOUND.
	FindSpecialistByUser(ctx context.Context, userID int64) (*Specialist, error)
	FindSpecialists(ctx context.Context, f SpecialistFilter) ([]*Specialist, int, error)

	// CreateRequest stores a request with its attachments; it checks the
	// registry member the patient is linked to, naming the field.
	CreateRequest(ctx context.Context, r *Request, ch audit.Change) error
	// FindRequest returns the request with id and its attachments, or ENOTFOUND.
	FindRequest(ctx context.Context, id string) (*Request, error)
	// FindRequests returns requests oldest first, or newest first.
	FindRequests(ctx context.Context, f RequestFilter) ([]*Request, int, error)
	// AddAttachment adds an attachment to a request that is not done or
	// cancelled (ECONFLICT).
	AddAttachment(ctx context.Context, a *Attachment, ch audit.Change) error
	FindAttachment(ctx context.Context, id string) (*Attachment, error)

	// Bookings returns how many places are taken in each slot starting in
	// [from, to).
	Bookings(ctx context.Context, from, to time.Time) (map[SlotKey]int, error)
	// Book gives each consultation its slot and moves its request from open
	// to assigned, or writes nothing: ECONFLICT when a request is no longer
	// open or a slot would pass its capacity.
	Book(ctx context.Context, cs []*Consultation, capacity []int, changes []audit.Change) error
	// Rebook moves a request's consultation to c's slot, freeing the old
	// one; ECONFLICT when the slot is full or the request is done.
	Rebook(ctx context.Context, c *Consultation, capacity int, ch audit.Change) error
	// CancelRequest cancels an open or assigned request, freeing its slot
	// and closing its room; ECONFLICT when it is done or cancelled.
	CancelRequest(ctx context.Context, id string, ch audit.Change) error
	// FindConsultation returns a request's consultation, or ENOTFOUND.
	FindConsultation(ctx context.Context, requestID string) (*Consultation, error)
	// FindConsultations returns the consultations of the requests that have
	// one, by request.
	FindConsultations(ctx context.Context, requestIDs []string) (map[string]*Consultation, error)
	// FindConsultationByToken returns the consultation of a room, or ENOTFOUND.
	FindConsultationByToken(ctx context.Context, token string) (*Consultation, error)
	// SetExternalURL sets or clears a consultation's external meeting.
	SetExternalURL(ctx context.Context, requestID, url string, ch audit.Change) error

	// WriteRecord stores the record with its follow-ups and moves the
	// request from assigned to done (ECONFLICT when it is not assigned); a
	// record written again replaces the text and adds the follow-ups.
	WriteRecord(ctx context.Context, rec *Record, fus []*FollowUp, ch audit.Change) error
	// FindRecord returns a request's record, or ENOTFOUND.
	FindRecord(ctx context.Context, requestID string) (*Record, error)
	// FindFollowUps returns follow-ups by due date.
	FindFollowUps(ctx context.Context, f FollowUpFilter) ([]*FollowUp, error)
	FindFollowUp(ctx context.Context, id string) (*FollowUp, error)
	// CompleteFollowUp marks a follow-up done; ECONFLICT when it was.
	CompleteFollowUp(ctx context.Context, id string, ch audit.Change) error

	// Waiting sums the wait from request to appointment of the requests
	// made in the period that have one, by urgency and specialty.
	Waiting(ctx context.Context, f ReportFilter) ([]WaitingRow, error)
	// Unmet counts the requests still open, by prefecture and specialty.
	Unmet(ctx context.Context, f ReportFilter) ([]UnmetRow, error)
	// Booked counts consultations whose slots start in the period, by
	// specialist.
	Booked(ctx context.Context, f ReportFilter) (map[string]int, error)
}

// SlotKey names one slot: a specialist's time of start.
type SlotKey struct {
	Specialist string
	Starts     int64 // Unix seconds
}

// ClinicFilter selects clinics; Staff, when set, keeps those the account
// works for.
type ClinicFilter struct {
	Prefix string
	Staff  int64
	Offset int
	Limit  int
}

// SpecialistFilter selects specialists; Specialty, when set, keeps those
// who offer it.
type SpecialistFilter struct {
	Specialty string
	Offset    int
	Limit     int
}

// RequestFilter selects requests.
type RequestFilter struct {
	Prefix     string
	ClinicIDs  []string
	Specialist string
	States     []RequestState
	// Newest lists the newest first instead of the oldest.
	Newest bool
	Offset int
	Limit  int
}

// FollowUpFilter selects follow-ups of some clinics; DueBy, when set, keeps
// those due on or before it (YYYY-MM-DD) and not done.
type FollowUpFilter struct {
	ClinicIDs []string
	RequestID string
	DueBy     string
	Limit     int
}

// ReportFilter is the area and period of a report.
type ReportFilter struct {
	Prefix   string
	From, To time.Time
}
