package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// caseRow is one household on the monitoring list or in the exits list.
type caseRow struct {
	Ref, Head, Village, VillageName, StageKey, At, Extra string
	Reasons                                              []reasonView
}

type monitoringData struct {
	Rows               []caseRow
	Total, First, Last int
	PrevURL, NextURL   string
	Region             string
	CanScreen          bool
	Flagged            string
}

// caseHeads finds the head of each household listed, for rows a person can
// recognise; a household that cannot be read keeps its reference.
func (s *Server) caseHeads(r *http.Request, refs []string) map[string]string {
	heads := map[string]string{}
	for _, ref := range refs {
		if h, err := s.Registry.Find(r.Context(), ref); err == nil {
			heads[ref] = headName(h)
		}
	}
	return heads
}

// pageLinks returns the previous and next page links of a list at path.
func pageLinks(path string, q url.Values, offset, limit, shown, total int) (prev, next string) {
	link := func(off int) string {
		v := url.Values{}
		for k, x := range q {
			if k != "offset" && len(x) > 0 && x[0] != "" {
				v.Set(k, x[0])
			}
		}
		if off > 0 {
			v.Set("offset", strconv.Itoa(off))
		}
		return path + "?" + v.Encode()
	}
	if offset > 0 {
		prev = link(max(0, offset-limit))
	}
	if offset+shown < total {
		next = link(offset + limit)
	}
	return prev, next
}

func (s *Server) monitoringPage(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	offset, limit, err := paging(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	q := r.URL.Query()
	d := monitoringData{Region: strings.TrimSpace(q.Get("region")), CanScreen: a.HasAny(countyRoles...), Flagged: q.Get("flagged")}
	list, total, err := s.Registry.Watches(r.Context(), d.Region, true, offset, limit)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var refs, codes []string
	for _, wt := range list {
		refs, codes = append(refs, wt.Household), append(codes, wt.Region)
	}
	heads, names := s.caseHeads(r, refs), s.regionNames(r.Context(), codes)
	for _, wt := range list {
		row := caseRow{Ref: wt.Household, Head: heads[wt.Household], Village: wt.Region, VillageName: names[wt.Region],
			StageKey: keyOr(watchStageKeys, wt.Stage, "watch.stage.flagged"), At: wt.OpenedAt.Local().Format("2006-01-02")}
		for _, rs := range wt.Reasons {
			row.Reasons = append(row.Reasons, reasonView{keyOr(reasonKeys, rs.Code, "watch.reason.other"), rs.Message})
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Region == "" {
		d.Region = a.Scope
	}
	d.Total, d.First, d.Last = total, offset+1, offset+len(list)
	d.PrevURL, d.NextURL = pageLinks("/monitoring", q, offset, limit, len(list), total)
	s.render(w, r, http.StatusOK, "monitoring", s.newView(r, "monitoring.title", &d))
}

func (s *Server) monitoringScreen(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	code := strings.TrimSpace(r.PostFormValue("region"))
	n, err := s.Registry.Screen(r.Context(), code)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/monitoring?region="+url.QueryEscape(code)+"&flagged="+strconv.Itoa(n), http.StatusSeeOther)
}

type stageTab struct {
	Stage, Key, Href string
	N                int
	Current          bool
}

type exitsData struct {
	Rows               []caseRow
	Tabs               []stageTab
	Total, First, Last int
	PrevURL, NextURL   string
	Region, Stage      string
}

// exitTabs are the stages the exits page filters by; "" is every exit
// under way.
var exitTabs = []struct {
	stage registry.ExitStage
	key   string
}{
	{"", "exits.open"}, {registry.StageProposed, "exit.stage.proposed"}, {registry.StageVillageReviewed, "exit.stage.village_reviewed"},
	{registry.StagePosted, "exit.stage.posted"}, {registry.StageApproved, "exits.approved"}, {registry.StageRejected, "exit.stage.rejected"},
}

func (s *Server) exitsPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	offset, limit, err := paging(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	q := r.URL.Query()
	d := exitsData{Region: strings.TrimSpace(q.Get("region")), Stage: q.Get("stage")}
	known := false
	for _, t := range exitTabs {
		_, n, err := s.Registry.Exits(r.Context(), d.Region, t.stage, 0, 1)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		v := url.Values{}
		if t.stage != "" {
			v.Set("stage", string(t.stage))
		}
		if d.Region != "" {
			v.Set("region", d.Region)
		}
		d.Tabs = append(d.Tabs, stageTab{Stage: string(t.stage), Key: t.key, Href: "/exits?" + v.Encode(), N: n, Current: string(t.stage) == d.Stage})
		known = known || string(t.stage) == d.Stage
	}
	if !known {
		s.pageError(w, r, tide.Invalid("stage", "unknown stage %q", d.Stage))
		return
	}
	list, total, err := s.Registry.Exits(r.Context(), d.Region, registry.ExitStage(d.Stage), offset, limit)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var refs, codes []string
	for _, e := range list {
		refs, codes = append(refs, e.Household), append(codes, e.Region)
	}
	heads, names := s.caseHeads(r, refs), s.regionNames(r.Context(), codes)
	for _, e := range list {
		row := caseRow{Ref: e.Household, Head: heads[e.Household], Village: e.Region, VillageName: names[e.Region],
			StageKey: keyOr(stageKeys, e.Stage, "exit.stage.proposed")}
		if n := len(e.Steps); n > 0 {
			row.At = e.Steps[n-1].At.Local().Format("2006-01-02")
		}
		if e.Stage == registry.StagePosted && !e.PostingEnds.IsZero() {
			row.Extra = e.PostingEnds.Local().Format("2006-01-02 15:04")
		}
		d.Rows = append(d.Rows, row)
	}
	d.Total, d.First, d.Last = total, offset+1, offset+len(list)
	d.PrevURL, d.NextURL = pageLinks("/exits", q, offset, limit, len(list), total)
	s.render(w, r, http.StatusOK, "exits", s.newView(r, "exits.title", &d))
}
