package web

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/tide"
)

// routeConnectAPI registers villages' connections, coverage, schools,
// remote classes and boundaries.
func (s *Server) routeConnectAPI() {
	m := func(pattern string, h http.HandlerFunc) { s.api(pattern, s.needConnect(h)) }
	m("GET /api/v1/coverage", s.apiCoverage)
	m("POST /api/v1/connections", s.apiReportConnection)
	m("POST /api/v1/connections/import", s.apiImportConnections)
	m("GET /api/v1/connections/{village}", s.apiConnectionHistory)
	m("GET /api/v1/schools", s.apiSchools)
	m("POST /api/v1/schools", s.apiSaveSchool)
	m("POST /api/v1/schools/import", s.apiImportSchools)
	m("GET /api/v1/schools/{code}", s.apiSchool)
	m("PUT /api/v1/schools/{code}/connection", s.apiReportSchool)
	m("GET /api/v1/schools/{code}/timetable", s.apiTimetable)
	m("GET /api/v1/classes", s.apiClasses)
	m("POST /api/v1/classes", s.apiCreateClass)
	m("GET /api/v1/classes/{id}", s.apiClass)
	m("POST /api/v1/classes/{id}/join", s.apiJoinClass)
	m("POST /api/v1/classes/{id}/attendance", s.apiAttendClass)
	m("POST /api/v1/boundaries", s.apiImportBoundaries)
}

// needConnect answers 404 while the server runs without connectivity.
func (s *Server) needConnect(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Connect == nil {
			s.Error(w, r, tide.NotFound("route"))
			return
		}
		h(w, r)
	}
}

// apiCoverage answers a region's coverage on a date; ?lists=true adds the
// unconnected villages and schools. It is public: aggregates and the names
// of places only.
func (s *Server) apiCoverage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lists, err := boolParam(r, "lists")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.Connect.Coverage(r.Context(), strings.TrimSpace(q.Get("region")), strings.TrimSpace(q.Get("on")), lists)
	answer(s, w, r, http.StatusOK, c, err)
}

func (s *Server) apiReportConnection(w http.ResponseWriter, r *http.Request) {
	var in connect.Report
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	err := s.Connect.Report(r.Context(), []*connect.Report{&in})
	answer(s, w, r, http.StatusCreated, &in, err)
}

// importFormat reads ?format=, csv by default.
func importFormat(r *http.Request) (string, error) {
	switch f := strings.ToLower(r.URL.Query().Get("format")); f {
	case "", connect.FormatCSV:
		return connect.FormatCSV, nil
	case connect.FormatXLSX:
		return f, nil
	}
	return "", tide.Invalid("format", "format must be csv or xlsx")
}

func (s *Server) apiImportConnections(w http.ResponseWriter, r *http.Request) {
	s.apiImportConnect(w, r, s.Connect.ImportReports)
}

func (s *Server) apiImportSchools(w http.ResponseWriter, r *http.Request) {
	s.apiImportConnect(w, r, s.Connect.ImportSchools)
}

// importFunc is an import of the connect domain.
type importFunc func(ctx context.Context, r io.Reader, format string) (int, error)

func (s *Server) apiImportConnect(w http.ResponseWriter, r *http.Request, imp importFunc) {
	if s.requireActor(w, r) == nil {
		return
	}
	format, err := importFormat(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBody)
	n, err := imp(r.Context(), r.Body, format)
	if err != nil {
		s.Error(w, r, bodyError(err))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int{"imported": n})
}

func (s *Server) apiConnectionHistory(w http.ResponseWriter, r *http.Request) {
	list, err := s.Connect.History(r.Context(), r.PathValue("village"))
	answer(s, w, r, http.StatusOK, map[string]any{"items": nonNil(list)}, err)
}

func (s *Server) apiSchools(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, total, err := s.Connect.Schools(r.Context(), connect.SchoolFilter{Prefix: r.URL.Query().Get("region"), Offset: offset, Limit: limit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*connect.School]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

func (s *Server) apiSaveSchool(w http.ResponseWriter, r *http.Request) {
	var in connect.School
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	err := s.Connect.SaveSchools(r.Context(), []*connect.School{&in})
	answer(s, w, r, http.StatusCreated, &in, err)
}

func (s *Server) apiSchool(w http.ResponseWriter, r *http.Request) {
	sc, err := s.Connect.School(r.Context(), r.PathValue("code"))
	answer(s, w, r, http.StatusOK, sc, err)
}

func (s *Server) apiReportSchool(w http.ResponseWriter, r *http.Request) {
	var in connect.SchoolConnection
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	sc, err := s.Connect.ReportSchool(r.Context(), r.PathValue("code"), in)
	answer(s, w, r, http.StatusOK, sc, err)
}

// dayParam reads a date parameter, def when absent.
func dayParam(r *http.Request, name string, def time.Time) (time.Time, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return t, tide.Invalid(name, "%s must be a date such as 2026-03-02", name)
	}
	return t, nil
}

func today() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

func (s *Server) apiTimetable(w http.ResponseWriter, r *http.Request) {
	from, err := dayParam(r, "from", today())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	days, err := intParam(r.URL.Query().Get("days"), "days")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.Connect.Timetable(r.Context(), r.PathValue("code"), from, days)
	answer(s, w, r, http.StatusOK, map[string]any{"items": nonNil(list)}, err)
}

func (s *Server) apiClasses(w http.ResponseWriter, r *http.Request) {
	from, err := dayParam(r, "from", today().AddDate(0, 0, -7))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	to, err := dayParam(r, "to", from.AddDate(0, 0, 14))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.Connect.Classes(r.Context(), r.URL.Query().Get("region"), from, to)
	answer(s, w, r, http.StatusOK, map[string]any{"items": nonNil(list)}, err)
}

func (s *Server) apiCreateClass(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Host    string    `json:"host"`
		Subject string    `json:"subject"`
		Teacher string    `json:"teacher"`
		Starts  time.Time `json:"starts"`
		Minutes int       `json:"minutes"`
		Stream  string    `json:"stream"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	c := &connect.Class{Host: in.Host, Subject: in.Subject, Teacher: in.Teacher, Starts: in.Starts, Minutes: in.Minutes, Stream: in.Stream}
	err := s.Connect.CreateClass(r.Context(), c)
	answer(s, w, r, http.StatusCreated, c, err)
}

func (s *Server) apiClass(w http.ResponseWriter, r *http.Request) {
	c, err := s.Connect.Class(r.Context(), r.PathValue("id"))
	answer(s, w, r, http.StatusOK, c, err)
}

func (s *Server) apiJoinClass(w http.ResponseWriter, r *http.Request) {
	var in struct {
		School string `json:"school"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.Connect.Join(r.Context(), r.PathValue("id"), in.School)
	answer(s, w, r, http.StatusOK, c, err)
}

func (s *Server) apiAttendClass(w http.ResponseWriter, r *http.Request) {
	var in struct {
		School   string `json:"school"`
		Attended int    `json:"attended"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.Connect.Attend(r.Context(), r.PathValue("id"), in.School, in.Attended)
	answer(s, w, r, http.StatusOK, c, err)
}

// apiImportBoundaries takes a GeoJSON FeatureCollection of regions'
// boundaries.
func (s *Server) apiImportBoundaries(w http.ResponseWriter, r *http.Request) {
	if s.requireActor(w, r) == nil {
		return
	}
	if s.Boundaries == nil {
		s.Error(w, r, tide.NotFound("route"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBody)
	n, err := s.Boundaries.Import(r.Context(), r.Body)
	if err != nil {
		s.Error(w, r, bodyError(err))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int{"imported": n})
}
