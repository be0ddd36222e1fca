package health

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/tide-project/tide/internal/atomicfile"
	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// NewID returns a public identifier: a lowercase ULID, time-ordered and not
// guessable.
func NewID() string { return strings.ToLower(ulid.Make().String()) }

// sealed is what is sealed of a request.
type sealed struct {
	Patient   Patient `json:"patient"`
	Complaint string  `json:"complaint"`
}

// Validate checks a new request's own fields, naming the first at fault.
func (r *Request) Validate() error {
	if !r.Consent {
		return tide.Invalid("consent", "the patient's consent is required before a consultation is requested")
	}
	p := &r.Patient
	p.Name, p.Household = strings.TrimSpace(p.Name), strings.TrimSpace(p.Household)
	if p.Name == "" || utf8.RuneCountInString(p.Name) > MaxName {
		return tide.Invalid("patient.name", "the patient's name must have 1 to %d characters", MaxName)
	}
	if p.Sex != "f" && p.Sex != "m" && p.Sex != "x" {
		return tide.Invalid("patient.sex", "sex is f, m or x")
	}
	if p.BirthYear < 1900 || p.BirthYear > time.Now().Year() {
		return tide.Invalid("patient.birth_year", "birth year must be 1900 to this year")
	}
	if p.Household == "" && p.Member != 0 {
		return tide.Invalid("patient.household", "a member is named together with their household")
	}
	if p.Member < 0 {
		return tide.Invalid("patient.member", "member is the member's position in the household, from 0")
	}
	r.Complaint = strings.TrimSpace(r.Complaint)
	if r.Complaint == "" || utf8.RuneCountInString(r.Complaint) > MaxComplaint {
		return tide.Invalid("complaint", "complaint must have 1 to %d characters", MaxComplaint)
	}
	if !ValidSpecialty(r.Specialty) {
		return tide.Invalid("specialty", "unknown specialty %q; choose one of %s", r.Specialty, strings.Join(Specialties, ", "))
	}
	if !slices.Contains(Urgencies, r.Urgency) {
		return tide.Invalid("urgency", "urgency must be emergency, urgent or routine")
	}
	if !validLanguage(r.Language) {
		return tide.Invalid("language", "language is a code such as zh, en or hmn")
	}
	if len(r.Windows) > MaxWindows {
		return tide.Invalid("windows", "at most %d windows", MaxWindows)
	}
	for i, w := range r.Windows {
		if w.From.IsZero() || !w.To.After(w.From) {
			return tide.Invalid(fmt.Sprintf("windows[%d]", i), "a window ends after it starts")
		}
	}
	return nil
}

// CreateRequest files a clinic's request with its attachments. Every
// attachment is checked before anything is written; the files and the
// request are written together or not at all.
func (s *Service) CreateRequest(ctx context.Context, r *Request, uploads []Upload) error {
	a, err := signedIn(ctx, "request consultations")
	if err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if r.ClinicID == "" {
		return tide.Invalid("clinic", "clinic is required")
	}
	c, err := s.store.FindClinic(ctx, r.ClinicID)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return tide.Invalid("clinic", "clinic %s does not exist", r.ClinicID)
	} else if err != nil {
		return err
	}
	if !s.actsFor(a, c) {
		return tide.Errorf(tide.EFORBIDDEN, "you do not act for clinic %s", c.Name)
	}
	if len(uploads) > MaxAttachments {
		return tide.Invalid("attachments", "at most %d attachments", MaxAttachments)
	}
	now := s.Now().UTC()
	r.ID, r.Region, r.State, r.CreatedBy, r.CreatedAt, r.UpdatedAt = NewID(), c.Region, RequestOpen, a.UserID, now, now
	r.Attachments = nil
	for i, u := range uploads {
		att, err := checkUpload(fmt.Sprintf("attachments[%d]", i), u)
		if err != nil {
			return err
		}
		att.RequestID, att.CreatedAt = r.ID, now
		r.Attachments = append(r.Attachments, att)
	}
	b, err := json.Marshal(sealed{Patient: r.Patient, Complaint: r.Complaint})
	if err != nil {
		return err
	}
	r.Sealed = s.sealer.Seal(string(b))
	written, err := s.writeFiles(r.Attachments, uploads)
	if err != nil {
		return err
	}
	// The audit keeps what was asked, not who was asked about.
	after := map[string]any{"clinic": r.ClinicID, "specialty": r.Specialty, "urgency": r.Urgency, "language": r.Language,
		"windows": r.Windows, "consent": r.Consent, "attachments": r.Attachments}
	if err := s.store.CreateRequest(ctx, r, audit.Change{Actor: a.Name, Action: "create", Entity: "consult_request", EntityID: r.ID, After: after}); err != nil {
		removeAll(written)
		return err
	}
	return nil
}

// actsFor reports whether the actor may act for clinic c: its staff, or an
// official whose area holds it.
func (s *Service) actsFor(a *tide.Actor, c *Clinic) bool {
	return (a.Has(tide.RoleClinic) && slices.Contains(c.Staff, a.UserID)) || (a.HasAny(officials...) && a.Sees(c.Region))
}

func (s *Service) writeFiles(atts []*Attachment, uploads []Upload) ([]string, error) {
	var written []string
	for i, att := range atts {
		if s.AttachmentDir == "" {
			return nil, fmt.Errorf("write attachment: no attachment folder is set")
		}
		path := filepath.Join(s.AttachmentDir, att.ID)
		if err := atomicfile.Write(path, uploads[i].Data); err != nil {
			removeAll(written)
			return nil, fmt.Errorf("write attachment: %w", err)
		}
		written = append(written, path)
	}
	return written, nil
}

func removeAll(paths []string) {
	for _, p := range paths {
		os.Remove(p)
	}
}

// requestActedFor returns the request whose clinic a acts for; any other
// is not found, as if it did not exist.
func (s *Service) requestActedFor(ctx context.Context, a *tide.Actor, id string) (*Request, error) {
	r, err := s.store.FindRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := s.store.FindClinic(ctx, r.ClinicID)
	if err != nil {
		return nil, err
	}
	if !s.actsFor(a, c) {
		return nil, tide.NotFound("request")
	}
	return r, nil
}

// AddAttachment adds an image or PDF to a request the actor acts for.
func (s *Service) AddAttachment(ctx context.Context, requestID string, u Upload) (*Attachment, error) {
	a, err := signedIn(ctx, "add attachments")
	if err != nil {
		return nil, err
	}
	r, err := s.requestActedFor(ctx, a, requestID)
	if err != nil {
		return nil, err
	}
	if len(r.Attachments) >= MaxAttachments {
		return nil, &tide.Error{Code: tide.ECONFLICT, Field: "attachment", Message: fmt.Sprintf("a request may have at most %d attachments", MaxAttachments)}
	}
	att, err := checkUpload("attachment", u)
	if err != nil {
		return nil, err
	}
	att.RequestID, att.CreatedAt = r.ID, s.Now().UTC()
	written, err := s.writeFiles([]*Attachment{att}, []Upload{u})
	if err != nil {
		return nil, err
	}
	ch := audit.Change{Actor: a.Name, Action: "add_attachment", Entity: "consult_request", EntityID: r.ID, After: att}
	if err := s.store.AddAttachment(ctx, att, ch); err != nil {
		removeAll(written)
		return nil, err
	}
	return att, nil
}

// OpenAttachment opens an attachment's bytes for whoever may read its request.
func (s *Service) OpenAttachment(ctx context.Context, id string) (*os.File, *Attachment, error) {
	att, err := s.store.FindAttachment(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.Request(ctx, att.RequestID); err != nil {
		return nil, nil, tide.NotFound("attachment")
	}
	f, err := os.Open(filepath.Join(s.AttachmentDir, att.ID))
	if os.IsNotExist(err) {
		return nil, nil, tide.NotFound("attachment")
	} else if err != nil {
		return nil, nil, fmt.Errorf("open attachment %s: %w", att.ID, err)
	}
	return f, att, nil
}

// Request returns a request, its patient opened, to its clinic's staff, its
// specialist, or an official whose area holds it. Analysts see the reports,
// never a patient.
func (s *Service) Request(ctx context.Context, id string) (*Request, error) {
	a, err := signedIn(ctx, "read requests")
	if err != nil {
		return nil, err
	}
	r, err := s.store.FindRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.mayRead(ctx, a, r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, tide.NotFound("request")
	}
	return r, s.open(r)
}

func (s *Service) mayRead(ctx context.Context, a *tide.Actor, r *Request) (bool, error) {
	if a.HasAny(officials...) && a.Sees(r.Region) {
		return true, nil
	}
	if a.Has(tide.RoleClinic) {
		c, err := s.store.FindClinic(ctx, r.ClinicID)
		if err != nil {
			return false, err
		}
		if slices.Contains(c.Staff, a.UserID) {
			return true, nil
		}
	}
	if a.Has(tide.RoleSpecialist) {
		con, err := s.store.FindConsultation(ctx, r.ID)
		if tide.ErrorCode(err) == tide.ENOTFOUND {
			return false, nil
		} else if err != nil {
			return false, err
		}
		sp, err := s.store.FindSpecialist(ctx, con.SpecialistID)
		if err != nil {
			return false, err
		}
		return sp.UserID == a.UserID, nil
	}
	return false, nil
}

// open fills a request's patient and complaint from its sealed form.
func (s *Service) open(r *Request) error {
	plain, err := s.sealer.Open(r.Sealed)
	if err != nil {
		return fmt.Errorf("open request %s: %w", r.ID, err)
	}
	var sd sealed
	if err := json.Unmarshal([]byte(plain), &sd); err != nil {
		return fmt.Errorf("open request %s: %w", r.ID, err)
	}
	r.Patient, r.Complaint = sd.Patient, sd.Complaint
	return nil
}

// Requests lists requests the actor may see: an official's area,
// the requests of the clinics a staff member works for, or a specialist's own.
func (s *Service) Requests(ctx context.Context, f RequestFilter) ([]*Request, int, error) {
	a, err := signedIn(ctx, "see requests")
	if err != nil {
		return nil, 0, err
	}
	switch {
	case a.HasAny(officials...):
		f.Prefix = narrow(a.Scope, f.Prefix)
	case a.Has(tide.RoleClinic):
		ids, err := s.myClinics(ctx, a)
		if err != nil {
			return nil, 0, err
		}
		if len(f.ClinicIDs) > 0 {
			ids = slices.DeleteFunc(slices.Clone(f.ClinicIDs), func(id string) bool { return !slices.Contains(ids, id) })
		}
		if len(ids) == 0 {
			return nil, 0, nil
		}
		f.ClinicIDs = ids
	case a.Has(tide.RoleSpecialist):
		sp, err := s.store.FindSpecialistByUser(ctx, a.UserID)
		if tide.ErrorCode(err) == tide.ENOTFOUND {
			return nil, 0, nil
		} else if err != nil {
			return nil, 0, err
		}
		f.Specialist = sp.ID
	default:
		return nil, 0, tide.Errorf(tide.EFORBIDDEN, "your role may not see consultation requests")
	}
	f.Limit = tide.ClampLimit(f.Limit)
	list, total, err := s.store.FindRequests(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]string, len(list))
	for i, r := range list {
		if err := s.open(r); err != nil {
			return nil, 0, err
		}
		ids[i] = r.ID
	}
	cs, err := s.store.FindConsultations(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	for _, r := range list {
		r.Consultation = cs[r.ID]
	}
	return list, total, nil
}

// CancelRequest withdraws a request that is not yet answered; the clinic's
// staff or an official whose area holds it may. Its slot is freed for others.
func (s *Service) CancelRequest(ctx context.Context, id string) (*Request, error) {
	a, err := signedIn(ctx, "cancel requests")
	if err != nil {
		return nil, err
	}
	r, err := s.requestActedFor(ctx, a, id)
	if err != nil {
		return nil, err
	}
	ch := audit.Change{Actor: a.Name, Action: "cancel", Entity: "consult_request", EntityID: r.ID,
		Before: map[string]any{"state": r.State}, After: map[string]any{"state": RequestCancelled}}
	if err := s.store.CancelRequest(ctx, id, ch); err != nil {
		return nil, err
	}
	return s.Request(ctx, id)
}
