package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/tide"
)

func (s *Server) routeParticipation() {
	s.api("GET /api/v1/participation", s.apiParticipation)
	s.page("GET /participation", s.participationPage)
}

// participationPeriod reads ?from= and ?to= (dates, to inclusive); the
// default is this year so far.
func participationPeriod(r *http.Request) (from, to time.Time, err error) {
	now := time.Now().UTC()
	from, to = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC), now.Truncate(24*time.Hour).AddDate(0, 0, 1)
	q := r.URL.Query()
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, tide.Invalid("from", "from must be a date such as 2026-01-31")
		}
	}
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, tide.Invalid("to", "to must be a date such as 2026-12-31")
		}
		to = to.AddDate(0, 0, 1)
	}
	return from, to, nil
}

func (s *Server) participation(r *http.Request) (*engage.Participation, error) {
	if s.Participation == nil {
		return nil, tide.NotFound("route")
	}
	from, to, err := participationPeriod(r)
	if err != nil {
		return nil, err
	}
	return engage.Participate(r.Context(), s.Participation, s.Regions, strings.TrimSpace(r.URL.Query().Get("region")), from, to)
}

func (s *Server) apiParticipation(w http.ResponseWriter, r *http.Request) {
	p, err := s.participation(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// participationBar is one bar of the page's chart: a child region's rate.
type participationBar struct {
	Code, Name, Percent  string
	Width                float64 // pixels of 300
	Y                    int
	Participants, Public int
}

type participationData struct {
	P                *engage.Participation
	Percent          string
	From, To, Region string
	Bars             []participationBar
	ChartHeight      int
}

func percent(rate float64) string { return fmt.Sprintf("%.1f%%", rate*100) }

func (s *Server) participationPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	p, err := s.participation(r)
	if err != nil {
		if tide.ErrorCode(err) == tide.EINVALID {
			v := s.newView(r, "participation.title", participationData{})
			v.Error = s.fieldMessage(v, err)
			s.render(w, r, http.StatusBadRequest, "participation", v)
			return
		}
		s.pageError(w, r, err)
		return
	}
	d := participationData{P: p, Percent: percent(p.Rate), From: p.From.Format(time.DateOnly),
		To: p.To.AddDate(0, 0, -1).Format(time.DateOnly), Region: p.Region}
	for i, c := range p.Children {
		d.Bars = append(d.Bars, participationBar{Code: c.Region, Name: c.Name, Percent: percent(c.Rate), Width: c.Rate * 300,
			Y: i * 28, Participants: c.Participants, Public: c.Public})
	}
	d.ChartHeight = len(d.Bars) * 28
	s.render(w, r, http.StatusOK, "participation", s.newView(r, "participation.title", d))
}
