package web

import (
	"net/http"
	"time"

	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/tide"
)

// routeHealthAPI registers clinics, specialists, consultation requests,
// assignment, records, follow-ups and the reports.
func (s *Server) routeHealthAPI() {
	m := func(pattern string, h http.HandlerFunc) { s.api(pattern, s.needHealth(h)) }
	m("GET /api/v1/health/clinics", s.apiClinics)
	m("POST /api/v1/health/clinics", s.apiCreateClinic)
	m("GET /api/v1/health/specialists", s.apiSpecialists)
	m("POST /api/v1/health/specialists", s.apiCreateSpecialist)
	m("PATCH /api/v1/health/specialists/{id}", s.apiUpdateSpecialist)
	m("GET /api/v1/health/requests", s.apiConsultRequests)
	m("POST /api/v1/health/requests", s.apiCreateConsultRequest)
	m("GET /api/v1/health/requests/{id}", s.apiConsultRequest)
	m("POST /api/v1/health/requests/{id}/attachments", s.apiAddAttachment)
	m("GET /api/v1/health/attachments/{id}", s.apiAttachment)
	m("POST /api/v1/health/assign", s.apiAssign)
	m("POST /api/v1/health/requests/{id}/reassign", s.apiReassign)
	m("POST /api/v1/health/requests/{id}/cancel", s.apiCancelConsultRequest)
	m("PUT /api/v1/health/requests/{id}/meeting", s.apiMeeting)
	m("GET /api/v1/health/requests/{id}/record", s.apiRecord)
	m("PUT /api/v1/health/requests/{id}/record", s.apiWriteRecord)
	m("GET /api/v1/health/follow-ups", s.apiFollowUps)
	m("POST /api/v1/health/follow-ups/{id}/done", s.apiCompleteFollowUp)
	m("GET /api/v1/health/reports", s.apiHealthReport)
}

// needHealth answers 404 while the server runs without remote consultation.
func (s *Server) needHealth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Health == nil {
			s.Error(w, r, tide.NotFound("route"))
			return
		}
		h(w, r)
	}
}

func (s *Server) apiClinics(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, total, err := s.Health.Clinics(r.Context(), health.ClinicFilter{Prefix: r.URL.Query().Get("region"), Offset: offset, Limit: limit})
	answer(s, w, r, http.StatusOK, page[*health.Clinic]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit}, err)
}

// ClinicInput is the body of POST /api/v1/health/clinics.
type ClinicInput struct {
	Name   string             `json:"name"`
	Level  health.ClinicLevel `json:"level"`
	Region string             `json:"region"`
	Staff  []int64            `json:"staff"`
}

func (s *Server) apiCreateClinic(w http.ResponseWriter, r *http.Request) {
	var in ClinicInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	c := &health.Clinic{Name: in.Name, Level: in.Level, Region: in.Region, Staff: in.Staff}
	err := s.Health.CreateClinic(r.Context(), c)
	answer(s, w, r, http.StatusCreated, c, err)
}

func (s *Server) apiSpecialists(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, total, err := s.Health.Specialists(r.Context(), health.SpecialistFilter{Specialty: r.URL.Query().Get("specialty"), Offset: offset, Limit: limit})
	answer(s, w, r, http.StatusOK, page[*health.Specialist]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit}, err)
}

// SpecialistInput is the body of POST /api/v1/health/specialists.
type SpecialistInput struct {
	UserID      int64          `json:"user_id"`
	Name        string         `json:"name"`
	Hospital    string         `json:"hospital"`
	Region      string         `json:"region"`
	Specialties []string       `json:"specialties"`
	Languages   []string       `json:"languages"`
	Hours       []health.Hours `json:"hours"`
}

func (s *Server) apiCreateSpecialist(w http.ResponseWriter, r *http.Request) {
	var in SpecialistInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	sp := &health.Specialist{UserID: in.UserID, Name: in.Name, Hospital: in.Hospital, Region: in.Region,
		Specialties: in.Specialties, Languages: in.Languages, Hours: in.Hours}
	err := s.Health.CreateSpecialist(r.Context(), sp)
	answer(s, w, r, http.StatusCreated, sp, err)
}

func (s *Server) apiUpdateSpecialist(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Specialties []string       `json:"specialties"`
		Languages   []string       `json:"languages"`
		Hours       []health.Hours `json:"hours"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	sp, err := s.Health.UpdateSpecialist(r.Context(), r.PathValue("id"), in.Specialties, in.Languages, in.Hours)
	answer(s, w, r, http.StatusOK, sp, err)
}

func (s *Server) apiAssign(w http.ResponseWriter, r *http.Request) {
	res, err := s.Health.Assign(r.Context())
	answer(s, w, r, http.StatusOK, res, err)
}

func (s *Server) apiReassign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Specialist string    `json:"specialist"`
		Starts     time.Time `json:"starts"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.Health.Reassign(r.Context(), r.PathValue("id"), in.Specialist, in.Starts)
	answer(s, w, r, http.StatusOK, c, err)
}

func (s *Server) apiCancelConsultRequest(w http.ResponseWriter, r *http.Request) {
	req, err := s.Health.CancelRequest(r.Context(), r.PathValue("id"))
	answer(s, w, r, http.StatusOK, req, err)
}

func (s *Server) apiMeeting(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ExternalURL string `json:"external_url"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.Health.SetExternalURL(r.Context(), r.PathValue("id"), in.ExternalURL)
	answer(s, w, r, http.StatusOK, c, err)
}

func (s *Server) apiRecord(w http.ResponseWriter, r *http.Request) {
	rec, err := s.Health.Record(r.Context(), r.PathValue("id"))
	answer(s, w, r, http.StatusOK, rec, err)
}

// RecordInput is the body of PUT /api/v1/health/requests/{id}/record.
type RecordInput struct {
	Advice       string               `json:"advice"`
	Prescription string               `json:"prescription"`
	Referral     string               `json:"referral"`
	FollowUps    []health.NewFollowUp `json:"follow_ups"`
}

func (s *Server) apiWriteRecord(w http.ResponseWriter, r *http.Request) {
	var in RecordInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	rec := &health.Record{RequestID: r.PathValue("id"), Advice: in.Advice, Prescription: in.Prescription, Referral: in.Referral}
	err := s.Health.WriteRecord(r.Context(), rec, in.FollowUps)
	answer(s, w, r, http.StatusOK, rec, err)
}

func (s *Server) apiFollowUps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, err := s.Health.FollowUps(r.Context(), q.Get("request"), q.Get("due"))
	answer(s, w, r, http.StatusOK, map[string]any{"items": nonNil(list)}, err)
}

func (s *Server) apiCompleteFollowUp(w http.ResponseWriter, r *http.Request) {
	fu, err := s.Health.CompleteFollowUp(r.Context(), r.PathValue("id"))
	answer(s, w, r, http.StatusOK, fu, err)
}

// apiHealthReport answers the resource report for ?region= over ?from= to
// ?to= (dates; the last 30 days by default).
func (s *Server) apiHealthReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err := dateParam(q.Get("from"), "from")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	to, err := dateParam(q.Get("to"), "to")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := s.Health.Report(r.Context(), q.Get("region"), from, to)
	answer(s, w, r, http.StatusOK, rep, err)
}

// dateParam reads a YYYY-MM-DD query parameter; empty is the zero time.
func dateParam(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, tide.Invalid(name, "%s is a date such as 2026-03-01", name)
	}
	return t, nil
}
