package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/tide"
)

// The connectivity pages: coverage of a region on a date and its export,
// the list of the unconnected (both public: aggregates and the names of
// places), then the schools, a school's timetable, the remote classes and
// the import page, for signed-in people.
func (s *Server) routeConnectPages() {
	s.page("GET /coverage", s.coveragePage)
	s.page("GET /coverage/unconnected", s.unconnectedPage)
	s.page("GET /coverage/export", s.coverageExport)
	s.page("GET /schools", s.schoolsPage)
	s.page("GET /schools/{code}", s.schoolPage)
	s.page("POST /schools/{code}", s.schoolSubmit)
	s.page("POST /schools/{code}/attendance", s.attendanceSubmit)
	s.page("GET /classes", s.classesPage)
	s.page("POST /classes", s.classSubmit)
	s.page("GET /connect/import", s.connectImportPage)
	s.mux.Handle("POST /connect/import", s.uploadAuth(http.HandlerFunc(s.connectImportSubmit)))
	s.routeOverviewPages()
}

type coverageBar struct {
	connect.Coverage
	Href, Fibre, FourG, Connected, Schools string
	Width                                  float64
}

type coverageData struct {
	C                       *connect.Coverage
	Region, On              string
	Fibre, FourG, Connected string
	FiveG, WiFi, Schools    string
	Rows                    []coverageBar
	Unconnected, CSV, XLSX  string
	// The unconnected list's lengths, and how many the page leaves out.
	VillagesLeft, SchoolsLeft int
	MoreVillages, MoreSchools int
}

// maxListed is how many unconnected villages or schools a page lists.
const maxListed = 500

func (s *Server) coverage(w http.ResponseWriter, r *http.Request, lists bool) (*connect.Coverage, bool) {
	if s.Connect == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return nil, false
	}
	q := r.URL.Query()
	c, err := s.Connect.Coverage(r.Context(), strings.TrimSpace(q.Get("region")), strings.TrimSpace(q.Get("on")), lists)
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	return c, true
}

func coverageQuery(region, on string) string {
	v := url.Values{}
	if region != "" {
		v.Set("region", region)
	}
	if on != "" {
		v.Set("on", on)
	}
	return v.Encode()
}

func (s *Server) coveragePage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.coverage(w, r, false)
	if !ok {
		return
	}
	qs := coverageQuery(c.Region, c.On)
	d := &coverageData{C: c, Region: c.Region, On: c.On, Fibre: percent(c.FibreRate), FourG: percent(c.FourGRate),
		Connected: percent(c.ConnectedRate), FiveG: percent(share(c.FiveG, c.Villages)), WiFi: percent(share(c.WiFi, c.Villages)),
		Schools: percent(c.SchoolRate), Unconnected: "/coverage/unconnected?" + qs,
		CSV: "/coverage/export?format=csv&" + qs, XLSX: "/coverage/export?format=xlsx&" + qs}
	for _, ch := range c.Children {
		d.Rows = append(d.Rows, coverageBar{Coverage: ch, Href: "/coverage?" + coverageQuery(ch.Region, c.On),
			Fibre: percent(ch.FibreRate), FourG: percent(ch.FourGRate), Connected: percent(ch.ConnectedRate),
			Schools: percent(ch.SchoolRate), Width: 60 * ch.ConnectedRate})
	}
	v := s.newView(r, "coverage.title", d)
	s.render(w, r, http.StatusOK, "coverage", v)
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

func (s *Server) unconnectedPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.coverage(w, r, true)
	if !ok {
		return
	}
	d := &coverageData{C: c, Region: c.Region, On: c.On, VillagesLeft: len(c.UnconnectedVillages), SchoolsLeft: len(c.UnconnectedSchools)}
	// A long list is cut on the page, light on a phone; the export has it
	// whole.
	if len(c.UnconnectedVillages) > maxListed {
		d.MoreVillages, c.UnconnectedVillages = len(c.UnconnectedVillages)-maxListed, c.UnconnectedVillages[:maxListed]
	}
	if len(c.UnconnectedSchools) > maxListed {
		d.MoreSchools, c.UnconnectedSchools = len(c.UnconnectedSchools)-maxListed, c.UnconnectedSchools[:maxListed]
	}
	s.render(w, r, http.StatusOK, "unconnected", s.newView(r, "unconnected.title", d))
}

// UnconnectedColumns are the columns of the unconnected list's export.
var UnconnectedColumns = []string{"on", "kind", "code", "name", "region"}

// coverageTable is what an export writes: the coverage of a region and its
// children in the open data's columns, or with ?list=unconnected the
// villages and schools still unconnected; and the file's name.
func (s *Server) coverageTable(r *http.Request) (header []string, rows [][]string, name string, err error) {
	if r.URL.Query().Get("list") != "unconnected" {
		c, err := s.openCoverage(r)
		if err != nil {
			return nil, nil, "", err
		}
		for _, row := range c.Rows {
			rows = append(rows, coverageRow(row))
		}
		return CoverageColumns, rows, "coverage-" + c.On, nil
	}
	q := r.URL.Query()
	c, err := s.Connect.Coverage(r.Context(), strings.TrimSpace(q.Get("region")), strings.TrimSpace(q.Get("on")), true)
	if err != nil {
		return nil, nil, "", err
	}
	for _, p := range c.UnconnectedVillages {
		rows = append(rows, []string{c.On, "village", p.Code, p.Name, p.Code})
	}
	for _, p := range c.UnconnectedSchools {
		rows = append(rows, []string{c.On, "school", p.Code, p.Name, p.Region})
	}
	return UnconnectedColumns, rows, "unconnected-" + c.On, nil
}

// coverageExport downloads the coverage of a region and its children, or
// the list of the unconnected, as CSV or XLSX.
func (s *Server) coverageExport(w http.ResponseWriter, r *http.Request) {
	if s.Connect == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return
	}
	format, err := importFormat(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	header, rows, name, err := s.coverageTable(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if format == connect.FormatCSV {
		cw := startCSV(w, name)
		cw.Write(header)
		cw.WriteAll(rows)
		return
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	write := func(n int, cells []string) error {
		row := make([]any, len(cells))
		for i, v := range cells {
			row[i] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, row)
	}
	err = write(1, header)
	for i, row := range rows {
		if err == nil {
			err = write(i+2, row)
		}
	}
	var buf bytes.Buffer
	if err == nil {
		if err = sw.Flush(); err == nil {
			err = f.Write(&buf)
		}
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	w.Write(buf.Bytes())
}
