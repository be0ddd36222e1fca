package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tide-project/tide/internal/measure"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// measureRow is one region's measures as the page shows them.
type measureRow struct {
	Code, Name, Href          string
	Persons, Households, Poor int64
	P0, P1, P2, H, A, M0      string
}

type statusCount struct {
	Status registry.Status
	Key    string
	N      int
}

type policyChoice struct {
	ID, Name string
	Selected bool
}

type measuresData struct {
	Region, RegionName string
	Ancestors          []*region.Region
	Policies           []policyChoice
	Policy             *policy.Policy
	Line, LineShown    string
	Currency           string
	HasMPI             bool
	Total              *measureRow
	Children           []measureRow
	Counts             []statusCount
	HouseholdsHref     string
}

func (s *Server) measuresPage(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	d := measuresData{Region: strings.TrimSpace(q.Get("region")), Line: strings.TrimSpace(q.Get("line"))}
	if d.Region == "" {
		d.Region = a.Scope
	}
	pid := q.Get("policy")
	if pid == "" {
		pid = s.Registry.ExitPolicy
	}
	p, ok := s.Policies.Lookup(pid)
	if !ok {
		s.pageError(w, r, tide.NotFound("policy"))
		return
	}
	d.Policy, d.Currency, d.HasMPI = p, p.Currency, p.K > 0
	for _, x := range s.Policies.Policies() {
		d.Policies = append(d.Policies, policyChoice{x.ID, x.Name, x.ID == p.ID})
	}
	v := s.newView(r, "measures.title", &d)
	line, ok := parseAmount(d.Line, p.Decimals)
	if !ok || line < 0 {
		v.Error = v.T("form.check", v.T("measures.line"), v.T("measures.line.bad"))
		line = 0
	}
	res, err := s.Analytics.Measures(ctx, d.Region, p.ID, line)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.LineShown = p.FormatAmount(res.Line)
	if d.Region != "" {
		reg, err := s.Regions.Find(ctx, d.Region)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d.RegionName = reg.Name
		if d.Ancestors, err = s.Regions.Ancestors(ctx, reg); err != nil {
			s.pageError(w, r, err)
			return
		}
	} else {
		d.RegionName = v.T("measures.everywhere")
	}
	parent := d.Region
	kids, _, err := s.Regions.List(ctx, region.Filter{Parent: &parent, Limit: 500})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	names := map[string]string{}
	for _, k := range kids {
		names[k.Code] = k.Name
	}
	total := s.measureRow(res.Result, d.RegionName, "")
	d.Total = &total
	for _, c := range res.Children {
		name := names[c.Region]
		if name == "" {
			name = c.Region
		}
		d.Children = append(d.Children, s.measureRow(c, name, s.measuresHref(c.Region, p.ID, d.Line)))
	}
	counts, err := s.Registry.CountByStatus(ctx, d.Region)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, st := range registry.Statuses {
		d.Counts = append(d.Counts, statusCount{st, statusKeys[st], counts[st]})
	}
	d.HouseholdsHref = "/households?region=" + url.QueryEscape(d.Region)
	status := http.StatusOK
	if v.Error != "" {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "measures", v)
}

func (s *Server) measureRow(m measure.Result, name, href string) measureRow {
	return measureRow{Code: m.Region, Name: name, Href: href, Persons: m.Persons, Households: m.Households, Poor: m.PoorPersons,
		P0: formatPercent(m.P0), P1: formatPercent(m.P1), P2: formatPercent(m.P2),
		H: formatPercent(m.MPI.H), A: formatPercent(m.MPI.A), M0: strconv.FormatFloat(m.MPI.M0, 'f', 4, 64)}
}

func (s *Server) measuresHref(code, policyID, line string) string {
	v := url.Values{"region": {code}, "policy": {policyID}}
	if line != "" {
		v.Set("line", line)
	}
	return "/measures?" + v.Encode()
}
