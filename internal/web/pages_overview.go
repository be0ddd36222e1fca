package web

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tide-project/tide/internal/geo"
	"github.com/tide-project/tide/internal/overview"
	"github.com/tide-project/tide/internal/tide"
)

// The overview page: a region's figures, each a small bar chart drawn on
// the server with its latest value beside it, and a map of the child
// regions coloured by the chosen figure, each a link to its own overview.
// It needs no account and shows aggregates only.

// chartW and chartH are the size of a figure's chart in SVG units.
const chartW, chartH = 280.0, 80.0

// mapW is the map's width in SVG units; its height follows the shapes.
const mapW = 640.0

// mapShades colour the map from the lowest value to the highest.
var mapShades = []string{"#e8f1fa", "#b9d3ee", "#7eb0df", "#3f86c9", "#0b5cad"}

type chartBar struct {
	X, Y, W, H float64
	Year       int
	Value      string
}

type figureCard struct {
	Key, Label, Help, Value string
	Available, Chosen       bool
	Href                    string
	Bars                    []chartBar
	First, Last             int
	Width, Height           float64
}

type mapRegion struct {
	Code, Name, Path, Fill, Href, Value string
	LX, LY                              float64
}

type legendStep struct{ Fill, From string }

type overviewData struct {
	O        *overview.Overview
	Heading  string
	Trail    []overview.Child
	Cards    []figureCard
	Figure   string
	Label    string
	Map      []mapRegion
	MapW     float64
	MapH     float64
	Legend   []legendStep
	Rows     []mapRegion
	OpenJSON string
	OpenCSV  string
}

// figureKeys names each figure's label and help in the catalogue.
var figureKeys = map[string][2]string{
	overview.Headcount:     {"overview.fig.headcount", "overview.help.headcount"},
	overview.Exits:         {"overview.fig.exits", "overview.help.exits"},
	overview.Monitoring:    {"overview.fig.monitoring", "overview.help.monitoring"},
	overview.Villages:      {"overview.fig.villages_connected", "overview.help.villages_connected"},
	overview.Schools:       {"overview.fig.schools_connected", "overview.help.schools_connected"},
	overview.MarketIncome:  {"overview.fig.market_income", "overview.help.market_income"},
	overview.Donations:     {"overview.fig.donations", "overview.help.donations"},
	overview.Participation: {"overview.fig.participation", "overview.help.participation"},
	overview.Consultations: {"overview.fig.consultations", "overview.help.consultations"},
}

func (s *Server) routeOverviewPages() {
	s.page("GET /overview", s.overviewPage)
}

func overviewHref(region, figure string) string {
	v := url.Values{}
	if region != "" {
		v.Set("region", region)
	}
	if figure != "" {
		v.Set("figure", figure)
	}
	if len(v) == 0 {
		return "/overview"
	}
	return "/overview?" + v.Encode()
}

func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) {
	if s.Overview == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return
	}
	o, err := s.overviewOf(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if o.Region == "" && len(o.Children) == 1 {
		// One top region: its overview is the same figures with a map of
		// its parts, where the top's map would be a single shape.
		http.Redirect(w, r, overviewHref(o.Children[0].Code, r.URL.Query().Get("figure")), http.StatusFound)
		return
	}
	v := s.newView(r, "overview.title", nil)
	d := &overviewData{O: o, Heading: o.Name, Trail: o.Trail, Figure: r.URL.Query().Get("figure")}
	if d.Heading == "" {
		d.Heading = v.T("overview.everywhere")
	}
	if f := o.Figure(d.Figure); f == nil || !f.Available {
		d.Figure = overview.Headcount
	}
	for _, f := range o.Figures {
		d.Cards = append(d.Cards, s.figureCard(v, o, f, d.Figure))
	}
	d.Label = v.T(figureKeys[d.Figure][0])
	q := url.Values{}
	if o.Region != "" {
		q.Set("region", o.Region)
	}
	d.OpenJSON, d.OpenCSV = "/api/v1/open/overview.json", "/api/v1/open/overview.csv"
	if len(q) > 0 {
		d.OpenJSON += "?" + q.Encode()
		d.OpenCSV += "?" + q.Encode()
	}
	if err := s.drawMap(r.Context(), v, o, d); err != nil {
		s.pageError(w, r, err)
		return
	}
	v.Data = d
	v.Title = d.Heading + " · " + v.T("overview.title")
	s.render(w, r, http.StatusOK, "overview", v)
}

func (s *Server) figureCard(v *view, o *overview.Overview, f overview.Figure, chosen string) figureCard {
	c := figureCard{Key: f.Key, Label: v.T(figureKeys[f.Key][0]), Help: v.T(figureKeys[f.Key][1]),
		Available: f.Available, Chosen: f.Key == chosen, Href: overviewHref(o.Region, f.Key), Width: chartW, Height: chartH + 16}
	if !f.Available {
		c.Value = v.T("overview.unavailable")
		return c
	}
	c.Value = formatFigure(f.Unit, f.Value, o.Currency)
	top := 0.0
	for _, p := range f.Trend {
		top = max(top, p.Value)
	}
	n := float64(len(f.Trend))
	slot := chartW / n
	for i, p := range f.Trend {
		h := 0.0
		if top > 0 && p.Value > 0 {
			h = math.Max(1, math.Round(p.Value/top*(chartH-4)))
		}
		c.Bars = append(c.Bars, chartBar{X: math.Round(float64(i)*slot + slot*0.15), W: math.Round(slot * 0.7), Y: chartH - h, H: h,
			Year: p.Year, Value: formatFigure(f.Unit, p.Value, o.Currency)})
	}
	if len(f.Trend) > 0 {
		c.First, c.Last = f.Trend[0].Year, f.Trend[len(f.Trend)-1].Year
	}
	return c
}

// formatFigure shows a figure's value in its unit.
func formatFigure(u overview.Unit, v float64, currency string) string {
	switch u {
	case overview.Share:
		return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
	case overview.Money:
		return thousands(int64(math.Round(v/100))) + " " + currency
	}
	return thousands(int64(math.Round(v)))
}

func thousands(n int64) string {
	s := strconv.FormatInt(max(n, -n), 10)
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// drawMap projects the child regions' boundaries and colours each by the
// chosen figure; children without a boundary are listed only.
func (s *Server) drawMap(ctx context.Context, v *view, o *overview.Overview, d *overviewData) error {
	unit := o.Figure(d.Figure).Unit
	lo, hi := math.Inf(1), math.Inf(-1)
	codes := make([]string, len(o.Children))
	for i, c := range o.Children {
		codes[i] = c.Code
		lo, hi = min(lo, c.Values[d.Figure]), max(hi, c.Values[d.Figure])
	}
	shade := func(x float64) string {
		if hi <= lo {
			return mapShades[len(mapShades)/2]
		}
		i := int((x - lo) / (hi - lo) * float64(len(mapShades)))
		return mapShades[min(i, len(mapShades)-1)]
	}
	switch {
	case len(o.Children) == 0:
	case hi > lo:
		for i, fill := range mapShades {
			from := lo + (hi-lo)*float64(i)/float64(len(mapShades))
			d.Legend = append(d.Legend, legendStep{Fill: fill, From: formatFigure(unit, from, o.Currency)})
		}
	default:
		d.Legend = []legendStep{{Fill: shade(lo), From: formatFigure(unit, lo, o.Currency)}}
	}
	var shapes []*geo.Boundary
	if s.Boundaries != nil && len(codes) > 0 {
		var err error
		if shapes, err = s.Boundaries.Find(ctx, codes); err != nil {
			return err
		}
	}
	byCode := map[string]*geo.Boundary{}
	for _, b := range shapes {
		byCode[b.Region] = b
	}
	frame, ok := geo.Bounds(shapes)
	var proj geo.Projection
	if ok {
		proj = geo.Fit(frame, mapW)
		d.MapW, d.MapH = proj.Width, proj.Height
	}
	for _, c := range o.Children {
		val := c.Values[d.Figure]
		m := mapRegion{Code: c.Code, Name: c.Name, Fill: shade(val), Href: overviewHref(c.Code, d.Figure),
			Value: formatFigure(unit, val, o.Currency)}
		if b := byCode[c.Code]; b != nil {
			m.Path = proj.Path(b)
			m.LX, m.LY = proj.Centre(b)
			d.Map = append(d.Map, m)
		}
		d.Rows = append(d.Rows, m)
	}
	slices.SortFunc(d.Rows, func(a, b mapRegion) int { return strings.Compare(a.Code, b.Code) })
	return nil
}
