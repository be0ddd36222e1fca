package web

import (
	"net/http"
	"strconv"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

func (s *Server) routeRegistryAPI() {
	s.routeTransferAPI()
	s.api("GET /api/v1/households", s.apiHouseholds)
	s.api("POST /api/v1/households", s.apiCreateHousehold)
	s.api("GET /api/v1/households/{ref}", s.apiHousehold)
	s.api("PUT /api/v1/households/{ref}", s.apiUpdateHousehold)
	s.api("GET /api/v1/households/{ref}/history", s.apiHouseholdHistory)
	s.api("GET /api/v1/households/{ref}/assessment", s.apiAssessment)
	s.api("GET /api/v1/households/{ref}/exit", s.apiOpenExit)
	s.api("POST /api/v1/households/{ref}/exit", s.apiProposeExit)
	s.api("POST /api/v1/households/{ref}/exit/{step}", s.apiExitStep)
	s.api("GET /api/v1/households/{ref}/assistance", s.apiAssistance)
	s.api("POST /api/v1/households/{ref}/assistance", s.apiAddAssistance)
	s.api("PUT /api/v1/households/{ref}/cadre", s.apiPair)
	s.api("POST /api/v1/households/{ref}/monitoring/{step}", s.apiWatchStep)
	s.api("GET /api/v1/exits", s.apiExits)
	s.api("GET /api/v1/monitoring", s.apiWatches)
	s.api("POST /api/v1/monitoring/screen", s.apiScreen)
	s.api("GET /api/v1/measures", s.apiMeasures)
	s.api("GET /api/v1/policies", s.apiPolicies)
	s.api("GET /api/v1/policies/{id}", s.apiPolicy)
}

// HouseholdInput is what a client sends to create or replace a household.
type HouseholdInput struct {
	Village         string             `json:"village"`
	IncomePerPerson int64              `json:"income_per_person"`
	LastYearIncome  int64              `json:"last_year_income"`
	ShockCosts      int64              `json:"shock_costs"`
	Indicators      map[string]float64 `json:"indicators"`
	Cadre           registry.Cadre     `json:"cadre"`
	Members         []registry.Member  `json:"members"`
}

// Household returns the input as a registry household.
func (in *HouseholdInput) Household() *registry.Household {
	return &registry.Household{Village: in.Village, IncomePerPerson: in.IncomePerPerson, LastYearIncome: in.LastYearIncome,
		ShockCosts: in.ShockCosts, Indicators: in.Indicators, Cadre: in.Cadre, Members: in.Members}
}

func (s *Server) apiHouseholds(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	list, total, err := s.Registry.List(r.Context(), registry.Filter{Prefix: q.Get("region"), Status: registry.Status(q.Get("status")),
		Name: q.Get("name"), IDNumber: q.Get("id_number"), Phone: q.Get("phone"), Offset: offset, Limit: limit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*registry.Household]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

func (s *Server) apiCreateHousehold(w http.ResponseWriter, r *http.Request) {
	var in HouseholdInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	h := in.Household()
	if err := s.Registry.Create(r.Context(), h); err != nil {
		s.Error(w, r, err)
		return
	}
	found, err := s.Registry.Find(r.Context(), h.Ref)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/households/"+h.Ref)
	writeJSON(w, http.StatusCreated, found)
}

func (s *Server) apiHousehold(w http.ResponseWriter, r *http.Request) {
	h, err := s.Registry.Find(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) apiUpdateHousehold(w http.ResponseWriter, r *http.Request) {
	var in HouseholdInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	h, err := s.Registry.Update(r.Context(), r.PathValue("ref"), in.Household())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) apiHouseholdHistory(w http.ResponseWriter, r *http.Request) {
	hist, err := s.Registry.History(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(hist)})
}

func (s *Server) apiAssessment(w http.ResponseWriter, r *http.Request) {
	pid := r.URL.Query().Get("policy")
	if pid == "" {
		pid = s.Registry.ExitPolicy
	}
	as, err := s.Registry.Assess(r.Context(), r.PathValue("ref"), pid)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"policy": pid, "eligible": as.Eligible, "criteria": as.Criteria})
}

type noteInput struct {
	Note string `json:"note"`
}

// decodeNote reads an optional {"note": "..."} body.
func decodeNote(w http.ResponseWriter, r *http.Request) (string, error) {
	var in noteInput
	if r.ContentLength == 0 {
		return "", nil
	}
	err := decode(w, r, &in)
	return in.Note, err
}

func (s *Server) apiOpenExit(w http.ResponseWriter, r *http.Request) {
	e, err := s.Registry.OpenExit(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) apiProposeExit(w http.ResponseWriter, r *http.Request) {
	note, err := decodeNote(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	e, err := s.Registry.ProposeExit(r.Context(), r.PathValue("ref"), note)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

func (s *Server) apiExitStep(w http.ResponseWriter, r *http.Request) {
	note, err := decodeNote(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	e, err := s.Registry.AdvanceExit(r.Context(), r.PathValue("ref"), r.PathValue("step"), note)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) apiAssistance(w http.ResponseWriter, r *http.Request) {
	list, err := s.Registry.AssistanceOf(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(list)})
}

func (s *Server) apiAddAssistance(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind        string `json:"kind"`
		Description string `json:"description"`
		Cost        int64  `json:"cost"`
		Date        string `json:"date"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	a, err := s.Registry.Assist(r.Context(), r.PathValue("ref"), registry.Assistance{Kind: in.Kind, Description: in.Description, Cost: in.Cost, Date: in.Date})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) apiPair(w http.ResponseWriter, r *http.Request) {
	var in registry.Cadre
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	h, err := s.Registry.Pair(r.Context(), r.PathValue("ref"), in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) apiWatchStep(w http.ResponseWriter, r *http.Request) {
	note, err := decodeNote(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	wt, err := s.Registry.WorkWatch(r.Context(), r.PathValue("ref"), r.PathValue("step"), note)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wt)
}

func (s *Server) apiExits(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	list, total, err := s.Registry.Exits(r.Context(), q.Get("region"), registry.ExitStage(q.Get("stage")), offset, limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*registry.Exit]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

func (s *Server) apiWatches(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	list, total, err := s.Registry.Watches(r.Context(), q.Get("region"), q.Get("all") != "true", offset, limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*registry.Watch]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

func (s *Server) apiScreen(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Region string `json:"region"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	n, err := s.Registry.Screen(r.Context(), in.Region)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"flagged": n})
}

func (s *Server) apiMeasures(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var line int64
	if v := q.Get("line"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.Error(w, r, tide.Invalid("line", "line must be a positive whole amount in minor units"))
			return
		}
		line = n
	}
	pid := q.Get("policy")
	if pid == "" {
		pid = s.Registry.ExitPolicy
	}
	res, err := s.Analytics.Measures(r.Context(), q.Get("region"), pid, line)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiPolicies(w http.ResponseWriter, r *http.Request) {
	if s.requireActor(w, r) == nil {
		return
	}
	type summary struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Version    string `json:"version"`
		Currency   string `json:"currency"`
		IncomeLine int64  `json:"income_line"`
		Indicators int    `json:"indicators"`
	}
	var out []summary
	for _, p := range s.Policies.Policies() {
		out = append(out, summary{p.ID, p.Name, p.Version, p.Currency, p.IncomeLine, len(p.Indicators)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(out)})
}

func (s *Server) apiPolicy(w http.ResponseWriter, r *http.Request) {
	if s.requireActor(w, r) == nil {
		return
	}
	p, ok := s.Policies.Lookup(r.PathValue("id"))
	if !ok {
		s.Error(w, r, tide.NotFound("policy"))
		return
	}
	writeJSON(w, http.StatusOK, p)
}
