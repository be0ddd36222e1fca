package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/tide"
)

// connectFields names the connect forms' fields in the catalogue, for
// the line that says which one was refused.
var connectFields = map[string]string{"students": "school.students", "teachers": "school.teachers",
	"connection": "school.connection", "bandwidth_mbps": "school.bandwidth", "devices": "school.devices",
	"since": "school.since", "host": "classes.host", "subject": "classes.subject", "teacher": "classes.teacher",
	"starts": "classes.starts", "minutes": "classes.minutes", "stream": "classes.stream", "attended": "school.attended"}

// connectFieldMessage is the page's line for a refused input of a
// connect form.
func (s *Server) connectFieldMessage(v *view, err error) string {
	if k, ok := connectFields[tide.ErrorField(err)]; ok {
		return v.T("form.check", v.T(k), tide.ErrorMessage(err))
	}
	return s.fieldMessage(v, err)
}

type schoolsData struct {
	Schools       []*connect.School
	Total         int
	Region        string
	Offset, Limit int
}

func (s *Server) connectPage(w http.ResponseWriter, r *http.Request) *tide.Actor {
	a := s.signedIn(w, r)
	if a != nil && s.Connect == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return nil
	}
	return a
}

func (s *Server) schoolsPage(w http.ResponseWriter, r *http.Request) {
	if s.connectPage(w, r) == nil {
		return
	}
	offset, limit, err := paging(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := &schoolsData{Region: strings.TrimSpace(r.URL.Query().Get("region")), Offset: offset, Limit: limit}
	d.Schools, d.Total, err = s.Connect.Schools(r.Context(), connect.SchoolFilter{Prefix: d.Region, Offset: offset, Limit: limit})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(d.Schools) == 1 && d.Total == 1 && !tide.ActorFrom(r.Context()).HasAny(tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar) {
		http.Redirect(w, r, schoolHref(d.Schools[0].Code), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "schools", s.newView(r, "schools.title", d))
}

func schoolHref(code string) string { return "/schools/" + url.PathEscape(code) }

// classRow is one class as the timetable and the classes page show it.
type classRow struct {
	*connect.Class
	When, Host     string
	Pupils, Joined int
	Reported       int
	// Mine is the classroom of the page's school, when it joined.
	Mine *connect.Classroom
	// MayJoin is set when the viewer's school may still join.
	MayJoin bool
	// Begun is set once the class has begun, when attendance is taken.
	Begun bool
}

// schoolForm is the connection form as typed, kept when refused.
type schoolForm struct {
	Students, Teachers, Bandwidth, Devices, Since string
	Connection                                    connect.Link
}

type schoolData struct {
	School    *connect.School
	Form      schoolForm
	MayReport bool
	Links     []connect.Link
	Classes   []classRow
	From      string
	Notice    string
}

func (s *Server) classRows(ctx context.Context, list []*connect.Class, school string) []classRow {
	out := make([]classRow, len(list))
	for i, c := range list {
		row := classRow{Class: c, When: c.Starts.Format("Mon 2006-01-02 15:04") + " UTC", Host: c.Host, Joined: len(c.Classrooms)}
		row.Pupils, row.Reported = c.Attendance()
		for j := range c.Classrooms {
			if c.Classrooms[j].School == school {
				row.Mine = &c.Classrooms[j]
			}
		}
		row.MayJoin = school != "" && row.Mine == nil && c.Host != school
		row.Begun = !c.Starts.After(time.Now())
		out[i] = row
	}
	return out
}

func (s *Server) schoolPage(w http.ResponseWriter, r *http.Request) {
	if s.connectPage(w, r) == nil {
		return
	}
	s.showSchool(w, r, http.StatusOK, nil, nil)
}

func (s *Server) showSchool(w http.ResponseWriter, r *http.Request, status int, form *schoolForm, formErr error) {
	ctx := r.Context()
	sc, err := s.Connect.School(ctx, r.PathValue("code"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	from, err := dayParam(r, "from", today())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	list, err := s.Connect.Timetable(ctx, sc.Code, from, 7)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	a := tide.ActorFrom(ctx)
	d := &schoolData{School: sc, Links: connect.Links, Classes: s.classRows(ctx, list, sc.Code), From: from.Format(time.DateOnly),
		MayReport: a.HasAny(tide.RoleAdmin, tide.RoleCounty) || (a.Has(tide.RoleSchool) && sc.Account == a.UserID),
		Form: schoolForm{Students: strconv.Itoa(sc.Students), Teachers: strconv.Itoa(sc.Teachers), Connection: sc.Connection,
			Bandwidth: strconv.Itoa(sc.Bandwidth), Devices: strconv.Itoa(sc.Devices), Since: sc.Since}}
	if form != nil {
		d.Form = *form
	}
	if r.URL.Query().Get("saved") != "" {
		d.Notice = "school.saved"
	}
	v := s.newView(r, "school.title", d)
	v.Title = sc.Name
	if formErr != nil {
		v.Error = s.connectFieldMessage(v, formErr)
	}
	s.render(w, r, status, "school", v)
}

// formWhole reads a whole number from a form; a value that is not one is
// refused naming the field.
func formWhole(r *http.Request, field string) (int, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, tide.Invalid(field, "%s must be a whole number, not %q", field, v)
	}
	return n, nil
}

func (s *Server) schoolSubmit(w http.ResponseWriter, r *http.Request) {
	if s.connectPage(w, r) == nil {
		return
	}
	typed := schoolForm{Students: r.PostFormValue("students"), Teachers: r.PostFormValue("teachers"), Bandwidth: r.PostFormValue("bandwidth_mbps"),
		Devices: r.PostFormValue("devices"), Since: r.PostFormValue("since"), Connection: connect.Link(r.PostFormValue("connection"))}
	in := connect.SchoolConnection{Connection: typed.Connection, Since: typed.Since}
	var firstErr error
	for _, f := range []struct {
		name string
		to   *int
	}{{"students", &in.Students}, {"teachers", &in.Teachers}, {"bandwidth_mbps", &in.Bandwidth}, {"devices", &in.Devices}} {
		n, err := formWhole(r, f.name)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		*f.to = n
	}
	if firstErr == nil {
		_, firstErr = s.Connect.ReportSchool(r.Context(), r.PathValue("code"), in)
	}
	if c := tide.ErrorCode(firstErr); c == tide.EINVALID {
		s.showSchool(w, r, http.StatusBadRequest, &typed, firstErr)
		return
	} else if firstErr != nil {
		s.pageError(w, r, firstErr)
		return
	}
	http.Redirect(w, r, schoolHref(r.PathValue("code"))+"?saved=1", http.StatusSeeOther)
}

func (s *Server) attendanceSubmit(w http.ResponseWriter, r *http.Request) {
	if s.connectPage(w, r) == nil {
		return
	}
	n, err := formWhole(r, "attended")
	if err == nil {
		_, err = s.Connect.Attend(r.Context(), r.PostFormValue("class"), r.PathValue("code"), n)
	}
	if tide.ErrorCode(err) == tide.EINVALID {
		s.showSchool(w, r, http.StatusBadRequest, nil, err)
		return
	} else if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, schoolHref(r.PathValue("code"))+"?saved=1", http.StatusSeeOther)
}
