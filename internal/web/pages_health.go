package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/tide"
)

// The consultation pages: the clinic's request form and list (where
// officials also run the optimiser), a request's page with its appointment,
// room link and record, the specialist's schedule and worklist, and the
// reports on where specialists are short.
func (s *Server) routeHealthPages() {
	s.page("GET /consults", s.consultsPage)
	s.page("POST /consults", s.consultSubmit)
	s.page("POST /consults/assign", s.assignSubmit)
	s.page("GET /consults/reports", s.healthReportPage)
	s.page("GET /consults/{id}", s.consultPage)
	s.page("POST /consults/{id}/record", s.recordSubmit)
	s.page("POST /consults/{id}/reassign", s.reassignSubmit)
	s.page("POST /consults/{id}/cancel", s.cancelSubmit)
	s.mux.Handle("POST /consults/{id}/attachments", s.uploadAuth(http.HandlerFunc(s.attachmentSubmit)))
	s.page("GET /consults/attachments/{id}", s.attachmentDownload)
	s.page("POST /followups/{id}/done", s.followUpSubmit)
	s.page("GET /worklist", s.worklistPage)
	s.page("POST /worklist/hours", s.hoursSubmit)
}

// healthPage answers 404 while the server runs without consultations, and
// sends the caller to sign in.
func (s *Server) healthPage(w http.ResponseWriter, r *http.Request) *tide.Actor {
	if s.Health == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return nil
	}
	return s.signedIn(w, r)
}

// consultRow is one request in a list.
type consultRow struct {
	ID, Patient, Specialty, Urgency, State, Created string
	Starts, Specialist, Room                        string
	// Overdue is a booked consultation whose slot has ended with no
	// advice written: it may have been missed, and the list says so.
	Overdue bool
}

// consultForm is the request form as typed.
type consultForm struct {
	Clinic, Name, Sex, BirthYear, Household, Member string
	Complaint, Specialty, Urgency, Language         string
	From, To                                        string
}

type consultsData struct {
	Clinics     []*health.Clinic
	Rows        []consultRow
	FollowUps   []*health.FollowUp
	Specialties []string
	Urgencies   []health.Urgency
	Form        consultForm
	MayFile     bool
	MayAssign   bool
	// Assigned and Left report the run just made, when there was one.
	Ran            bool
	Assigned, Left int
}

func (s *Server) consultsPage(w http.ResponseWriter, r *http.Request) {
	d := consultsData{Form: consultForm{Language: "zh", Urgency: string(health.Routine), Sex: "f"}}
	if q := r.URL.Query(); q.Has("assigned") {
		d.Ran = true
		d.Assigned, _ = strconv.Atoi(q.Get("assigned"))
		d.Left, _ = strconv.Atoi(q.Get("left"))
	}
	s.showConsults(w, r, http.StatusOK, d, nil)
}

func (s *Server) showConsults(w http.ResponseWriter, r *http.Request, status int, d consultsData, formErr error) {
	a := s.healthPage(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	if a.Has(tide.RoleSpecialist) && !a.HasAny(tide.RoleClinic, tide.RoleCounty, tide.RoleAdmin, tide.RoleAnalyst) {
		http.Redirect(w, r, "/worklist", http.StatusSeeOther)
		return
	}
	var err error
	if d.Clinics, _, err = s.Health.Clinics(ctx, health.ClinicFilter{Limit: 200}); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.MayFile = len(d.Clinics) > 0 && a.HasAny(tide.RoleClinic, tide.RoleCounty, tide.RoleAdmin)
	d.MayAssign = a.HasAny(tide.RoleCounty, tide.RoleAdmin)
	d.Specialties, d.Urgencies = health.Specialties, health.Urgencies
	if d.Rows, err = s.consultRows(r, health.RequestFilter{Newest: true, Limit: 200}); err != nil {
		s.pageError(w, r, err)
		return
	}
	if a.Has(tide.RoleClinic) {
		today := s.Health.Now().In(s.Health.Zone).Format(time.DateOnly)
		if d.FollowUps, err = s.Health.FollowUps(ctx, "", today); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	v := s.newView(r, "consults.title", d)
	if formErr != nil {
		v.Error = s.fieldMessage(v, formErr)
	}
	s.render(w, r, status, "consults", v)
}

// consultRows lists requests with their appointments.
func (s *Server) consultRows(r *http.Request, f health.RequestFilter) ([]consultRow, error) {
	ctx := r.Context()
	list, _, err := s.Health.Requests(ctx, f)
	if err != nil {
		return nil, err
	}
	names := s.specialistNames(r)
	var rows []consultRow
	for _, q := range list {
		row := consultRow{ID: q.ID, Patient: q.Patient.Name, Specialty: q.Specialty, Urgency: string(q.Urgency), State: string(q.State),
			Created: s.clock(q.CreatedAt)}
		if c := q.Consultation; c != nil {
			row.Starts, row.Room, row.Specialist = s.clock(c.Starts), roomLink(c), names[c.SpecialistID]
			row.Overdue = q.State == health.RequestAssigned && c.Ends().Before(s.Health.Now())
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// roomLink is where the two sides meet: the external meeting when one is
// set, Tide's room otherwise.
func roomLink(c *health.Consultation) string {
	if c.ExternalURL != "" {
		return c.ExternalURL
	}
	return "/consult/" + c.Token
}

// specialistNames maps specialists' IDs to their names.
func (s *Server) specialistNames(r *http.Request) map[string]string {
	names := map[string]string{}
	list, _, err := s.Health.Specialists(r.Context(), health.SpecialistFilter{Limit: 500})
	if err != nil {
		return names
	}
	for _, sp := range list {
		names[sp.ID] = sp.Name
	}
	return names
}

func (s *Server) specialistName(r *http.Request, id string) string {
	if n := s.specialistNames(r)[id]; n != "" {
		return n
	}
	return id
}

// clock shows a time in the zone of the specialists' hours.
func (s *Server) clock(t time.Time) string {
	return t.In(s.Health.Zone).Format("2006-01-02 15:04")
}

func (s *Server) consultSubmit(w http.ResponseWriter, r *http.Request) {
	if s.healthPage(w, r) == nil {
		return
	}
	f := consultForm{Clinic: r.PostFormValue("clinic"), Name: r.PostFormValue("name"), Sex: r.PostFormValue("sex"),
		BirthYear: strings.TrimSpace(r.PostFormValue("birth_year")), Household: strings.TrimSpace(r.PostFormValue("household")),
		Member: strings.TrimSpace(r.PostFormValue("member")), Complaint: r.PostFormValue("complaint"), Specialty: r.PostFormValue("specialty"),
		Urgency: r.PostFormValue("urgency"), Language: strings.TrimSpace(r.PostFormValue("language")),
		From: r.PostFormValue("from"), To: r.PostFormValue("to")}
	req, err := s.parseConsultForm(f, r.PostFormValue("consent") == "yes")
	if err == nil {
		err = s.Health.CreateRequest(r.Context(), req, nil)
	}
	if err != nil {
		if c := tide.ErrorCode(err); c != tide.EINVALID && c != tide.ETOOLARGE {
			s.pageError(w, r, err)
			return
		}
		s.showConsults(w, r, http.StatusBadRequest, consultsData{Form: f}, err)
		return
	}
	http.Redirect(w, r, "/consults/"+req.ID, http.StatusSeeOther)
}

// parseConsultForm turns the typed form into a request, naming the field
// of a number or time that does not read.
func (s *Server) parseConsultForm(f consultForm, consent bool) (*health.Request, error) {
	req := &health.Request{ClinicID: f.Clinic, Complaint: f.Complaint, Specialty: f.Specialty, Urgency: health.Urgency(f.Urgency),
		Language: f.Language, Consent: consent, Patient: health.Patient{Name: f.Name, Sex: f.Sex, Household: f.Household}}
	var err error
	if req.Patient.BirthYear, err = strconv.Atoi(f.BirthYear); err != nil {
		return nil, tide.Invalid("patient.birth_year", "birth year is a year such as 1958")
	}
	if f.Member != "" {
		if req.Patient.Member, err = strconv.Atoi(f.Member); err != nil {
			return nil, tide.Invalid("patient.member", "member is the member's position in the household, from 0")
		}
	}
	if f.From != "" || f.To != "" {
		from, err1 := time.ParseInLocation("2006-01-02T15:04", f.From, s.Health.Zone)
		to, err2 := time.ParseInLocation("2006-01-02T15:04", f.To, s.Health.Zone)
		if err1 != nil || err2 != nil {
			return nil, tide.Invalid("windows[0]", "give both the start and the end of the time the clinic can do")
		}
		req.Windows = []health.Window{{From: from.UTC(), To: to.UTC()}}
	}
	return req, nil
}

func (s *Server) assignSubmit(w http.ResponseWriter, r *http.Request) {
	if s.healthPage(w, r) == nil {
		return
	}
	res, err := s.Health.Assign(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/consults?assigned="+strconv.Itoa(len(res.Assigned))+"&left="+strconv.Itoa(len(res.Unassigned)), http.StatusSeeOther)
}
