package web

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/tide"
)

// classesData is the remote classes' page, where classes are scheduled
// and joined.
type classesData struct {
	Classes []classRow
	Region  string
	From    string
	// Own is the viewer's school when they are a school's account.
	Own       *connect.School
	MayCreate bool
	Form      classForm
	Notice    string
}

type classForm struct {
	Host, Subject, Teacher, Starts, Minutes, Stream string
}

func (s *Server) classesPage(w http.ResponseWriter, r *http.Request) {
	if s.connectPage(w, r) == nil {
		return
	}
	s.showClasses(w, r, http.StatusOK, classForm{Minutes: "45"}, nil)
}

func (s *Server) showClasses(w http.ResponseWriter, r *http.Request, status int, form classForm, formErr error) {
	ctx := r.Context()
	a := tide.ActorFrom(ctx)
	from, err := dayParam(r, "from", today().AddDate(0, 0, -7))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := &classesData{Region: strings.TrimSpace(r.URL.Query().Get("region")), From: from.Format(time.DateOnly), Form: form,
		MayCreate: a.HasAny(tide.RoleAdmin, tide.RoleCounty, tide.RoleSchool)}
	list, err := s.Connect.Classes(ctx, d.Region, from, from.AddDate(0, 0, 21))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	own := ""
	if a.Has(tide.RoleSchool) {
		if mine, _, err := s.Connect.Schools(ctx, connect.SchoolFilter{Limit: 1}); err == nil && len(mine) > 0 {
			d.Own, own = mine[0], mine[0].Code
			if d.Form.Host == "" {
				d.Form.Host = own
			}
		}
	}
	d.Classes = s.classRows(ctx, list, own)
	if r.URL.Query().Get("saved") != "" {
		d.Notice = "classes.saved"
	}
	v := s.newView(r, "classes.title", d)
	if formErr != nil {
		v.Error = s.connectFieldMessage(v, formErr)
	}
	s.render(w, r, status, "classes", v)
}

// classSubmit schedules a class, or joins one with the viewer's school.
func (s *Server) classSubmit(w http.ResponseWriter, r *http.Request) {
	if s.connectPage(w, r) == nil {
		return
	}
	ctx := r.Context()
	if id := r.PostFormValue("join"); id != "" {
		if _, err := s.Connect.Join(ctx, id, r.PostFormValue("school")); err != nil {
			if c := tide.ErrorCode(err); c == tide.EINVALID || c == tide.ECONFLICT {
				s.showClasses(w, r, ErrorStatus(err), classForm{Minutes: "45"}, err)
				return
			}
			s.pageError(w, r, err)
			return
		}
		http.Redirect(w, r, "/classes?saved=1", http.StatusSeeOther)
		return
	}
	f := classForm{Host: strings.TrimSpace(r.PostFormValue("host")), Subject: r.PostFormValue("subject"), Teacher: r.PostFormValue("teacher"),
		Starts: r.PostFormValue("starts"), Minutes: r.PostFormValue("minutes"), Stream: r.PostFormValue("stream")}
	c := &connect.Class{Host: f.Host, Subject: f.Subject, Teacher: f.Teacher, Stream: f.Stream}
	starts, err := time.Parse("2006-01-02T15:04", strings.TrimSpace(f.Starts))
	if err != nil {
		err = tide.Invalid("starts", "give the start as a date and time")
	}
	if err == nil {
		c.Starts = starts.UTC()
		c.Minutes, err = formWhole(r, "minutes")
	}
	if err == nil {
		err = s.Connect.CreateClass(ctx, c)
	}
	if tide.ErrorCode(err) == tide.EINVALID {
		s.showClasses(w, r, http.StatusBadRequest, f, err)
		return
	} else if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/classes?saved=1&from="+c.Starts.Format(time.DateOnly), http.StatusSeeOther)
}

type connectImportData struct {
	Kind     string
	Imported int
	Rows     []connect.RowError
	MayBound bool
}

func (s *Server) connectImportPage(w http.ResponseWriter, r *http.Request) {
	a := s.connectPage(w, r)
	if a == nil {
		return
	}
	if !a.HasAny(tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar) {
		s.pageError(w, r, tide.Errorf(tide.EFORBIDDEN, "forbidden"))
		return
	}
	s.render(w, r, http.StatusOK, "connect_import", s.newView(r, "connect_import.title", &connectImportData{MayBound: a.Has(tide.RoleAdmin)}))
}

// connectImportSubmit imports a file of reports, schools or boundaries
// from the page's form. The form is read as a stream, the CSRF token first
// (the form puts it there), so a file as large as the API takes is read as
// it arrives, and one past that limit is told so rather than taken for a
// forged form.
func (s *Server) connectImportSubmit(w http.ResponseWriter, r *http.Request) {
	a := s.connectPage(w, r)
	if a == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBody+MaxFormBody)
	mr, err := r.MultipartReader()
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "connect_import.nofile")
		return
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "csrf" || !s.uploadCSRF(r, part) {
		s.renderError(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	d := &connectImportData{MayBound: a.Has(tide.RoleAdmin)}
	v := s.newView(r, "connect_import.title", d)
	var file *multipart.Part
	for file == nil {
		part, err := mr.NextPart()
		if err != nil {
			v.Error = v.T("connect_import.nofile")
			s.render(w, r, http.StatusBadRequest, "connect_import", v)
			return
		}
		switch part.FormName() {
		case "kind":
			kind, _ := io.ReadAll(io.LimitReader(part, 32))
			d.Kind = string(kind)
		case "file":
			file = part
		}
	}
	format := connect.FormatCSV
	if strings.EqualFold(filepath.Ext(file.FileName()), ".xlsx") {
		format = connect.FormatXLSX
	}
	var imp func(context.Context, io.Reader, string) (int, error)
	switch d.Kind {
	case "reports":
		imp = s.Connect.ImportReports
	case "schools":
		imp = s.Connect.ImportSchools
	case "boundaries":
		if s.Boundaries == nil {
			s.pageError(w, r, tide.NotFound("page"))
			return
		}
		imp = func(ctx context.Context, r io.Reader, _ string) (int, error) { return s.Boundaries.Import(ctx, r) }
	default:
		s.pageError(w, r, tide.Invalid("kind", "kind must be reports, schools or boundaries"))
		return
	}
	d.Imported, err = imp(r.Context(), file, format)
	status := http.StatusOK
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		v.Error = v.T("connect_import.toolarge", MaxImportBody>>20)
		s.render(w, r, http.StatusRequestEntityTooLarge, "connect_import", v)
		return
	}
	if err != nil {
		status = ErrorStatus(err)
		if rows := importRows(err); rows != nil {
			d.Rows = rows
			v.Error = v.T("connect_import.refused")
		} else if status == http.StatusBadRequest || status == http.StatusForbidden {
			v.Error = tide.ErrorMessage(err)
		} else {
			s.pageError(w, r, err)
			return
		}
	}
	s.render(w, r, status, "connect_import", v)
}
