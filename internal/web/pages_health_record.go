package web

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/tide"
)

type consultData struct {
	Request      *health.Request
	Consultation *health.Consultation
	Record       *health.Record
	FollowUps    []*health.FollowUp
	Specialist   string
	Starts       string
	Room         string
	// MayWrite is set for the assigned specialist, MayAttach for the
	// clinic while the request is in hand, MayReassign for officials.
	MayWrite, MayAttach, MayReassign, MayCancel bool
	Specialists                                 []*health.Specialist
	// Typed is the record form as typed, kept when it is refused.
	Typed health.Record
	Task  string
	Due   string
}

func (s *Server) consultPage(w http.ResponseWriter, r *http.Request) {
	s.showConsult(w, r, http.StatusOK, nil, nil)
}

func (s *Server) showConsult(w http.ResponseWriter, r *http.Request, status int, typed *consultData, formErr error) {
	a := s.healthPage(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	cv, err := s.consultView(r, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := consultData{Request: cv.Request, Consultation: cv.Consultation, Record: cv.Record}
	if typed != nil {
		d.Typed, d.Task, d.Due = typed.Typed, typed.Task, typed.Due
	} else if d.Record != nil {
		d.Typed = *d.Record
	}
	if c := d.Consultation; c != nil {
		d.Starts, d.Room, d.Specialist = s.clock(c.Starts), roomLink(c), s.specialistName(r, c.SpecialistID)
		if me, err := s.Health.Me(ctx); err == nil && me.ID == c.SpecialistID {
			d.MayWrite = d.Request.State == health.RequestAssigned || d.Request.State == health.RequestDone
		}
	}
	if d.FollowUps, err = s.Health.FollowUps(ctx, d.Request.ID, ""); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.MayAttach = a.Has(tide.RoleClinic) && (d.Request.State == health.RequestOpen || d.Request.State == health.RequestAssigned)
	d.MayCancel = d.MayAttach || (a.HasAny(tide.RoleCounty, tide.RoleAdmin) && (d.Request.State == health.RequestOpen || d.Request.State == health.RequestAssigned))
	d.MayReassign = a.HasAny(tide.RoleCounty, tide.RoleAdmin) && (d.Request.State == health.RequestOpen || d.Request.State == health.RequestAssigned)
	if d.MayReassign {
		if d.Specialists, _, err = s.Health.Specialists(ctx, health.SpecialistFilter{Specialty: d.Request.Specialty, Limit: 200}); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	v := s.newView(r, "consult.title", d)
	if formErr != nil {
		v.Error = s.fieldMessage(v, formErr)
	}
	s.render(w, r, status, "consult", v)
}

func (s *Server) recordSubmit(w http.ResponseWriter, r *http.Request) {
	if s.healthPage(w, r) == nil {
		return
	}
	id := r.PathValue("id")
	typed := &consultData{Typed: health.Record{RequestID: id, Advice: r.PostFormValue("advice"), Prescription: r.PostFormValue("prescription"),
		Referral: r.PostFormValue("referral")}, Task: r.PostFormValue("task"), Due: r.PostFormValue("due")}
	rec := typed.Typed
	var tasks []health.NewFollowUp
	if strings.TrimSpace(typed.Task) != "" || typed.Due != "" {
		tasks = append(tasks, health.NewFollowUp{Task: typed.Task, Due: typed.Due})
	}
	if err := s.Health.WriteRecord(r.Context(), &rec, tasks); err != nil {
		if tide.ErrorCode(err) != tide.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.showConsult(w, r, http.StatusBadRequest, typed, err)
		return
	}
	http.Redirect(w, r, "/consults/"+id, http.StatusSeeOther)
}

func (s *Server) cancelSubmit(w http.ResponseWriter, r *http.Request) {
	if s.healthPage(w, r) == nil {
		return
	}
	if _, err := s.Health.CancelRequest(r.Context(), r.PathValue("id")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/consults/"+r.PathValue("id"), http.StatusSeeOther)
}

func (s *Server) reassignSubmit(w http.ResponseWriter, r *http.Request) {
	if s.healthPage(w, r) == nil {
		return
	}
	id := r.PathValue("id")
	starts, err := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("starts"), s.Health.Zone)
	if err != nil {
		err = tide.Invalid("starts", "give the slot's date and time")
	} else {
		_, err = s.Health.Reassign(r.Context(), id, r.PostFormValue("specialist"), starts)
	}
	if err != nil {
		if c := tide.ErrorCode(err); c != tide.EINVALID && c != tide.ECONFLICT {
			s.pageError(w, r, err)
			return
		}
		s.showConsult(w, r, ErrorStatus(err), nil, err)
		return
	}
	http.Redirect(w, r, "/consults/"+id, http.StatusSeeOther)
}

// attachmentSubmit takes one file for a request; the CSRF token is the
// form's first field.
func (s *Server) attachmentSubmit(w http.ResponseWriter, r *http.Request) {
	if s.healthPage(w, r) == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, health.MaxAttachmentBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		s.pageError(w, r, tide.Invalid("attachment", "send the file as a multipart form"))
		return
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "csrf" || !s.uploadCSRF(r, part) {
		s.renderError(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	if part, err = mr.NextPart(); err != nil || part.FormName() != "file" {
		s.showConsult(w, r, http.StatusBadRequest, nil, tide.Invalid("attachment", "choose a file to attach"))
		return
	}
	data, err := io.ReadAll(io.LimitReader(part, health.MaxAttachmentBytes+1))
	if err != nil {
		s.pageError(w, r, formError(err))
		return
	}
	u := health.Upload{Name: part.FileName(), ContentType: part.Header.Get("Content-Type"), Data: data}
	if _, err := s.Health.AddAttachment(r.Context(), r.PathValue("id"), u); err != nil {
		if c := tide.ErrorCode(err); c != tide.EINVALID && c != tide.ETOOLARGE && c != tide.ECONFLICT {
			s.pageError(w, r, err)
			return
		}
		s.showConsult(w, r, ErrorStatus(err), nil, err)
		return
	}
	http.Redirect(w, r, "/consults/"+r.PathValue("id"), http.StatusSeeOther)
}

func (s *Server) attachmentDownload(w http.ResponseWriter, r *http.Request) {
	if s.healthPage(w, r) == nil {
		return
	}
	s.apiAttachment(w, r)
}

func (s *Server) followUpSubmit(w http.ResponseWriter, r *http.Request) {
	if s.healthPage(w, r) == nil {
		return
	}
	if _, err := s.Health.CompleteFollowUp(r.Context(), r.PathValue("id")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/consults", http.StatusSeeOther)
}

// slotRow is one block of a specialist's weekly hours.
type slotRow struct {
	Weekday, Start, End string
	SlotMinutes         int
	Capacity            int
}

// scheduleDay is one day of a specialist's coming slots.
type scheduleDay struct {
	Weekday, Date string
	Slots         []scheduleRow
}

type scheduleRow struct {
	Time             string
	Booked, Capacity int
	Full             bool
}

type worklistData struct {
	Specialist *health.Specialist
	Hours      []slotRow
	Days       []scheduleDay
	Rows       []consultRow
	// Edit is the hours form: each block, and an empty one to add.
	Edit     []health.Hours
	Weekdays []time.Weekday
}

// worklistPage shows a specialist their weekly hours and their
// consultations, the coming ones first.
func (s *Server) worklistPage(w http.ResponseWriter, r *http.Request) {
	s.showWorklist(w, r, http.StatusOK, nil, nil)
}

func (s *Server) showWorklist(w http.ResponseWriter, r *http.Request, status int, typed []health.Hours, formErr error) {
	if s.healthPage(w, r) == nil {
		return
	}
	sp, slots, err := s.Health.Schedule(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := worklistData{Specialist: sp}
	for _, sl := range slots {
		at := sl.Starts.In(s.Health.Zone)
		if date := at.Format("01-02"); len(d.Days) == 0 || d.Days[len(d.Days)-1].Date != date {
			d.Days = append(d.Days, scheduleDay{Weekday: at.Weekday().String(), Date: date})
		}
		day := &d.Days[len(d.Days)-1]
		day.Slots = append(day.Slots, scheduleRow{Time: at.Format("15:04"), Booked: sl.Booked, Capacity: sl.Capacity, Full: sl.Booked >= sl.Capacity})
	}
	for _, h := range sp.Hours {
		d.Hours = append(d.Hours, slotRow{Weekday: h.Weekday.String(), Start: h.Start, End: h.End, SlotMinutes: h.SlotMinutes, Capacity: h.Capacity})
	}
	if d.Rows, err = s.consultRows(r, health.RequestFilter{Newest: true, Limit: 200}); err != nil {
		s.pageError(w, r, err)
		return
	}
	// The coming consultations first, the soonest at the top; then those
	// answered, the latest at the top.
	slices.SortStableFunc(d.Rows, func(a, b consultRow) int {
		if ad, bd := a.State == string(health.RequestDone), b.State == string(health.RequestDone); ad != bd {
			if ad {
				return 1
			}
			return -1
		} else if ad {
			return strings.Compare(b.Starts, a.Starts)
		}
		return strings.Compare(a.Starts, b.Starts)
	})
	d.Edit = typed
	if d.Edit == nil {
		d.Edit = append(slices.Clone(sp.Hours), health.Hours{Weekday: time.Monday, SlotMinutes: 30, Capacity: 1})
	}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		d.Weekdays = append(d.Weekdays, wd)
	}
	v := s.newView(r, "worklist.title", d)
	if formErr != nil {
		v.Error = s.fieldMessage(v, formErr)
	}
	s.render(w, r, status, "worklist", v)
}

// hoursSubmit replaces the specialist's weekly hours with the form's
// blocks; a block with no start and end is left out.
func (s *Server) hoursSubmit(w http.ResponseWriter, r *http.Request) {
	if s.healthPage(w, r) == nil {
		return
	}
	sp, err := s.Health.Me(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := r.PostForm
	var hours []health.Hours
	for i, start := range f["start"] {
		end := at(f["end"], i)
		if start == "" && end == "" {
			continue
		}
		wd, _ := strconv.Atoi(at(f["weekday"], i))
		minutes, _ := strconv.Atoi(at(f["slot_minutes"], i))
		places, _ := strconv.Atoi(at(f["capacity"], i))
		hours = append(hours, health.Hours{Weekday: time.Weekday(wd), Start: start, End: end, SlotMinutes: minutes, Capacity: places})
	}
	if _, err := s.Health.UpdateSpecialist(r.Context(), sp.ID, sp.Specialties, sp.Languages, hours); err != nil {
		if tide.ErrorCode(err) != tide.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.showWorklist(w, r, http.StatusBadRequest, append(hours, health.Hours{Weekday: time.Monday, SlotMinutes: 30, Capacity: 1}), err)
		return
	}
	http.Redirect(w, r, "/worklist", http.StatusSeeOther)
}

// at returns list[i], or "" past its end.
func at(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

type healthReportData struct {
	Report   *health.Report
	Region   string
	From, To string
	// Names are the prefectures' names by code.
	Names map[string]string
}

func (s *Server) healthReportPage(w http.ResponseWriter, r *http.Request) {
	if s.healthPage(w, r) == nil {
		return
	}
	q := r.URL.Query()
	d := healthReportData{Region: q.Get("region"), From: q.Get("from"), To: q.Get("to")}
	from, err := dateParam(d.From, "from")
	if err == nil {
		var to time.Time
		if to, err = dateParam(d.To, "to"); err == nil {
			d.Report, err = s.Health.Report(r.Context(), d.Region, from, to)
		}
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.From, d.To = d.Report.From.Format(time.DateOnly), d.Report.To.Format(time.DateOnly)
	var codes []string
	for _, u := range d.Report.Unmet {
		codes = append(codes, u.Prefecture)
	}
	d.Names = s.regionNames(r.Context(), codes)
	s.render(w, r, http.StatusOK, "health_report", s.newView(r, "health_report.title", d))
}
