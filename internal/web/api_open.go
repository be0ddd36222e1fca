package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/overview"
	"github.com/tide-project/tide/internal/tide"
)

// Open data: aggregates of a region and its children, never a person, as
// JSON and CSV, each with the date of its data. The overview's JSON is
// the same figures the overview page draws.
func (s *Server) routeOpenAPI() {
	s.api("GET /api/v1/overview", s.apiOverview)
	s.api("GET /api/v1/open/overview.json", s.apiOpenOverview)
	s.api("GET /api/v1/open/overview.csv", s.apiOpenOverviewCSV)
	s.api("GET /api/v1/open/coverage.json", s.needConnect(s.apiOpenCoverage))
	s.api("GET /api/v1/open/coverage.csv", s.needConnect(s.apiOpenCoverageCSV))
	s.api("GET /api/v1/open/boundaries.json", s.apiOpenBoundaries)
}

// apiOpenBoundaries answers the boundaries of a region's children as a
// GeoJSON FeatureCollection, each feature with the child's code, name and
// the overview's latest figures, so anyone can draw the map.
func (s *Server) apiOpenBoundaries(w http.ResponseWriter, r *http.Request) {
	o, err := s.overviewOf(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if s.Boundaries == nil {
		s.Error(w, r, tide.NotFound("route"))
		return
	}
	codes := make([]string, len(o.Children))
	byCode := map[string]overview.Child{}
	for i, c := range o.Children {
		codes[i], byCode[c.Code] = c.Code, c
	}
	shapes, err := s.Boundaries.Find(r.Context(), codes)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	type geometry struct {
		Type        string `json:"type"`
		Coordinates any    `json:"coordinates"`
	}
	type feature struct {
		Type       string         `json:"type"`
		Properties map[string]any `json:"properties"`
		Geometry   geometry       `json:"geometry"`
	}
	fc := struct {
		Type     string    `json:"type"`
		AsOf     string    `json:"as_of"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", AsOf: o.AsOf, Features: []feature{}}
	for _, b := range shapes {
		c := byCode[b.Region]
		props := map[string]any{"code": c.Code, "name": c.Name}
		for k, v := range c.Values {
			props[k] = v
		}
		fc.Features = append(fc.Features, feature{Type: "Feature", Properties: props,
			Geometry: geometry{Type: "MultiPolygon", Coordinates: b.Polygons}})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(fc)
}

func (s *Server) overviewOf(r *http.Request) (*overview.Overview, error) {
	if s.Overview == nil {
		return nil, tide.NotFound("route")
	}
	return s.Overview.Overview(r.Context(), strings.TrimSpace(r.URL.Query().Get("region")))
}

func (s *Server) apiOverview(w http.ResponseWriter, r *http.Request) {
	o, err := s.overviewOf(r)
	answer(s, w, r, http.StatusOK, o, err)
}

func (s *Server) apiOpenOverview(w http.ResponseWriter, r *http.Request) {
	o, err := s.overviewOf(r)
	answer(s, w, r, http.StatusOK, o, err)
}

// apiOpenOverviewCSV writes one row per figure and year for the region,
// then one per figure for each child region in the last year.
func (s *Server) apiOpenOverviewCSV(w http.ResponseWriter, r *http.Request) {
	o, err := s.overviewOf(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cw := startCSV(w, "overview")
	cw.Write([]string{"as_of", "region", "name", "figure", "unit", "year", "value"})
	for _, f := range o.Figures {
		if !f.Available {
			cw.Write([]string{o.AsOf, o.Region, o.Name, f.Key, string(f.Unit), "", ""})
			continue
		}
		for _, p := range f.Trend {
			cw.Write([]string{o.AsOf, o.Region, o.Name, f.Key, string(f.Unit), strconv.Itoa(p.Year), figureCSV(p.Value)})
		}
	}
	for _, c := range o.Children {
		for _, f := range o.Figures {
			if f.Available {
				cw.Write([]string{o.AsOf, c.Code, c.Name, f.Key, string(f.Unit), o.AsOf[:4], figureCSV(c.Values[f.Key])})
			}
		}
	}
	cw.Flush()
}

func figureCSV(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func startCSV(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	return csv.NewWriter(w)
}

// openCoverage is the coverage of a region and its children without the
// lists of places.
type openCoverage struct {
	AsOf string              `json:"as_of"`
	On   string              `json:"on"`
	Rows []*connect.Coverage `json:"rows"`
}

func (s *Server) openCoverage(r *http.Request) (*openCoverage, error) {
	q := r.URL.Query()
	c, err := s.Connect.Coverage(r.Context(), strings.TrimSpace(q.Get("region")), strings.TrimSpace(q.Get("on")), false)
	if err != nil {
		return nil, err
	}
	out := &openCoverage{AsOf: s.Connect.Today(), On: c.On, Rows: []*connect.Coverage{c}}
	for i := range c.Children {
		out.Rows = append(out.Rows, &c.Children[i])
	}
	c.Children = nil
	return out, nil
}

func (s *Server) apiOpenCoverage(w http.ResponseWriter, r *http.Request) {
	c, err := s.openCoverage(r)
	answer(s, w, r, http.StatusOK, c, err)
}

// CoverageColumns are the columns of the coverage's CSV and XLSX.
var CoverageColumns = []string{"on", "region", "name", "villages", "fibre", "4g", "5g", "public_wifi", "connected",
	"fibre_rate", "4g_rate", "connected_rate", "schools", "schools_connected", "school_rate"}

func coverageRow(c *connect.Coverage) []string {
	n := strconv.Itoa
	return []string{c.On, c.Region, c.Name, n(c.Villages), n(c.Fibre), n(c.FourG), n(c.FiveG), n(c.WiFi), n(c.Connected),
		rate(c.FibreRate), rate(c.FourGRate), rate(c.ConnectedRate), n(c.Schools), n(c.SchoolsConnected), rate(c.SchoolRate)}
}

func rate(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

func (s *Server) apiOpenCoverageCSV(w http.ResponseWriter, r *http.Request) {
	c, err := s.openCoverage(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cw := startCSV(w, "coverage-"+c.On)
	cw.Write(CoverageColumns)
	for _, row := range c.Rows {
		cw.Write(coverageRow(row))
	}
	cw.Flush()
}
