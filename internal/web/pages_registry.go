package web

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// routeRegistryPages registers the pages of households, exits, the
// monitoring list and the measures. Every rule is the registry's or the
// analytics service's; the pages only choose which buttons to offer.
func (s *Server) routeRegistryPages() {
	s.page("GET /households", s.householdsPage)
	s.page("GET /households/new", s.householdNewPage)
	s.page("POST /households", s.householdCreate)
	s.page("GET /households/{ref}", s.householdPage)
	s.page("GET /households/{ref}/edit", s.householdEditPage)
	s.page("POST /households/{ref}/edit", s.householdUpdate)
	s.page("POST /households/{ref}/exit", s.householdExitStep)
	s.page("POST /households/{ref}/assistance", s.householdAssist)
	s.page("POST /households/{ref}/cadre", s.householdPair)
	s.page("POST /households/{ref}/monitoring", s.householdWatchStep)
	s.page("GET /measures", s.measuresPage)
	s.page("GET /monitoring", s.monitoringPage)
	s.page("POST /monitoring/screen", s.monitoringScreen)
	s.page("GET /exits", s.exitsPage)
}

// Catalogue keys of the registry's codes. They are spelled out so the
// catalogue test sees every one.
var (
	statusKeys = map[registry.Status]string{
		registry.Identified: "status.identified", registry.Assisted: "status.assisted",
		registry.Exited: "status.exited", registry.Monitored: "status.monitored", registry.Returned: "status.returned",
	}
	stageKeys = map[registry.ExitStage]string{
		registry.StageProposed: "exit.stage.proposed", registry.StageVillageReviewed: "exit.stage.village_reviewed",
		registry.StagePosted: "exit.stage.posted", registry.StageApproved: "exit.stage.approved",
		registry.StageRejected: "exit.stage.rejected",
	}
	watchStageKeys = map[registry.WatchStage]string{
		registry.WatchFlagged: "watch.stage.flagged", registry.WatchVisited: "watch.stage.visited",
		registry.WatchAssisted: "watch.stage.assisted", registry.WatchCleared: "watch.stage.cleared",
		registry.WatchReturned: "watch.stage.returned",
	}
	relationKeys = map[string]string{
		"head": "relation.head", "spouse": "relation.spouse", "child": "relation.child", "parent": "relation.parent",
		"grandchild": "relation.grandchild", "grandparent": "relation.grandparent", "sibling": "relation.sibling",
		"in_law": "relation.in_law", "other": "relation.other",
	}
	sexKeys  = map[string]string{"f": "sex.f", "m": "sex.m", "x": "sex.x"}
	sexes    = []string{"f", "m", "x"}
	kindKeys = map[string]string{
		"industry": "assist.kind.industry", "employment": "assist.kind.employment", "relocation": "assist.kind.relocation",
		"education": "assist.kind.education", "health": "assist.kind.health",
		"social_security": "assist.kind.social_security", "ecological": "assist.kind.ecological",
	}
	reasonKeys = map[string]string{
		policy.ReasonLowIncome: "watch.reason.low_income", policy.ReasonIncomeFall: "watch.reason.income_fall",
		policy.ReasonShockCosts: "watch.reason.shock_costs",
	}
	// exitLadder is the order of the exit stages the household page shows.
	exitLadder = []registry.ExitStage{registry.StageProposed, registry.StageVillageReviewed, registry.StagePosted, registry.StageApproved}
)

// keyOr returns m[k], or fallback when the code is unknown (a newer code
// than this page knows shows as the generic label, never blank).
func keyOr[K comparable](m map[K]string, k K, fallback string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return fallback
}

// option is one choice of a select: a value and its label's catalogue key.
type option struct{ Value, Key string }

func statusOptions() []option {
	out := make([]option, len(registry.Statuses))
	for i, st := range registry.Statuses {
		out[i] = option{string(st), statusKeys[st]}
	}
	return out
}

// Who may press what. The registry service decides; these only spare a
// person buttons that would be refused.
var (
	writerRoles    = []tide.Role{tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar}
	countyRoles    = []tide.Role{tide.RoleCounty, tide.RoleAdmin}
	exitStepRoles  = map[string][]tide.Role{"review": {tide.RoleRegistrar, tide.RoleAdmin}, "check": countyRoles, "approve": countyRoles, "reject": writerRoles}
	exitStepFrom   = map[string]registry.ExitStage{"review": registry.StageProposed, "check": registry.StageVillageReviewed, "approve": registry.StagePosted}
	exitStepKeys   = map[string]string{"propose": "exit.do.propose", "review": "exit.do.review", "check": "exit.do.check", "approve": "exit.do.approve", "reject": "exit.do.reject"}
	watchStepOrder = []string{"visit", "assist", "clear", "return"}
	watchStepKeys  = map[string]string{"visit": "watch.do.visit", "assist": "watch.do.assist", "clear": "watch.do.clear", "return": "watch.do.return"}
)

// exitPolicy is the policy exits are assessed against; it also sets the
// currency and decimals of the household's amounts.
func (s *Server) exitPolicy() *policy.Policy {
	if p, ok := s.Policies.Lookup(s.Registry.ExitPolicy); ok {
		return p
	}
	return &policy.Policy{ID: s.Registry.ExitPolicy, Decimals: 2}
}

// indicatorName is the indicator's name in the page's language.
func indicatorName(lang string, ind policy.Indicator) string {
	if lang == "zh" && ind.NameZH != "" {
		return ind.NameZH
	}
	if ind.Name != "" {
		return ind.Name
	}
	return ind.ID
}

// formatPercent shows a ratio as a percentage with two decimals.
func formatPercent(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(100*v, 'f', 2, 64) + "%"
}

// regionNames looks up the names of the given codes the caller may see;
// codes it cannot find are left out, and pages show the code instead.
func (s *Server) regionNames(ctx context.Context, codes []string) map[string]string {
	names, seen := map[string]string{}, map[string]bool{}
	for _, c := range codes {
		if seen[c] || c == "" {
			continue
		}
		seen[c] = true
		if r, err := s.Regions.Find(ctx, c); err == nil {
			names[c] = r.Name
		}
	}
	return names
}

// headName returns the name of the household's head, or its first member's.
func headName(h *registry.Household) string {
	for _, m := range h.Members {
		if m.Relation == "head" {
			return m.Name
		}
	}
	if len(h.Members) > 0 {
		return h.Members[0].Name
	}
	return ""
}

// householdRow is one line of the households list.
type householdRow struct {
	Ref, Village, VillageName, Head, StatusKey, Income string
	Status                                             registry.Status
	Persons                                            int
}

type householdsData struct {
	Rows                           []householdRow
	Total, Offset, Limit           int
	Region, Status, Name, IDNumber string
	Statuses                       []option
	CanCreate                      bool
	PrevURL, NextURL               string
	Currency                       string
	First, Last                    int
}

func (s *Server) householdsPage(w http.ResponseWriter, r *http.Request) {
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
	d := householdsData{Offset: offset, Limit: limit, Region: strings.TrimSpace(q.Get("region")), Status: q.Get("status"),
		Name: strings.TrimSpace(q.Get("name")), IDNumber: strings.TrimSpace(q.Get("id_number")),
		Statuses: statusOptions(), CanCreate: a.HasAny(writerRoles...)}
	list, total, err := s.Registry.List(r.Context(), registry.Filter{Prefix: d.Region, Status: registry.Status(d.Status),
		Name: d.Name, IDNumber: d.IDNumber, Offset: offset, Limit: limit})
	if err != nil {
		if tide.ErrorCode(err) == tide.EINVALID {
			v := s.newView(r, "households.title", d)
			v.Error = s.fieldMessage(v, err)
			s.render(w, r, http.StatusBadRequest, "households", v)
			return
		}
		s.pageError(w, r, err)
		return
	}
	p := s.exitPolicy()
	d.Currency = p.Currency
	var codes []string
	for _, h := range list {
		codes = append(codes, h.Village)
	}
	names := s.regionNames(r.Context(), codes)
	for _, h := range list {
		d.Rows = append(d.Rows, householdRow{Ref: h.Ref, Village: h.Village, VillageName: names[h.Village], Head: headName(h),
			Status: h.Status, StatusKey: keyOr(statusKeys, h.Status, "status.unknown"), Income: p.FormatAmount(h.IncomePerPerson), Persons: len(h.Members)})
	}
	d.Total, d.First, d.Last = total, offset+1, offset+len(list)
	d.PrevURL, d.NextURL = pageLinks("/households", q, offset, limit, len(list), total)
	s.render(w, r, http.StatusOK, "households", s.newView(r, "households.title", d))
}

// fieldKeys names the label of each field the registry's errors can name.
var fieldKeys = map[string]string{
	"village": "household.village", "income_per_person": "household.income", "last_year_income": "household.last_year",
	"shock_costs": "household.shock", "indicators": "household.indicators", "cadre.name": "household.cadre_name",
	"cadre.phone": "household.cadre_phone", "members": "household.members", "name": "member.name", "sex": "member.sex",
	"birth_date": "member.birth", "relation": "member.relation", "id_number": "member.id_number", "phone": "member.phone",
	"disability": "member.disability", "health": "member.health", "schooling": "member.schooling",
	"kind": "assist.kind", "cost": "assist.cost", "date": "assist.date", "description": "assist.description",
	"status": "household.status", "region": "field.region", "line": "measures.line", "policy": "measures.policy",
	"step": "exit.title", "household": "household.title",
}

// fieldLabel is the label of an error's field in the page's language:
// "members[2].birth_date" becomes "Member 3: Date of birth".
func fieldLabel(v *view, field string) string {
	if rest, ok := strings.CutPrefix(field, "members["); ok {
		if i, sub, ok := strings.Cut(rest, "]."); ok {
			if n, err := strconv.Atoi(i); err == nil {
				return v.T("member.n", n+1) + ": " + fieldLabel(v, sub)
			}
		}
	}
	if k, ok := fieldKeys[field]; ok {
		return v.T(k)
	}
	if id, ok := strings.CutPrefix(field, "indicators."); ok {
		return v.T("household.indicators") + ": " + id
	}
	return field
}

// fieldMessage is the page's line for a refused input: the field's label
// and the service's reason.
func (s *Server) fieldMessage(v *view, err error) string {
	if f := tide.ErrorField(err); f != "" {
		return v.T("form.check", fieldLabel(v, f), tide.ErrorMessage(err))
	}
	return tide.ErrorMessage(err)
}

// parseAmount reads an amount typed in major units ("4,500.50") as minor
// units with the given decimals. Empty is 0 and ok.
func parseAmount(s string, decimals int) (int64, bool) {
	s = strings.NewReplacer(",", "", " ", "", "\u00a0", "", "¥", "", "￥", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return 0, true
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > decimals || len(whole) > 15 {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
	}
	frac += strings.Repeat("0", decimals-len(frac))
	n, err := strconv.ParseInt("0"+whole+frac, 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// plainAmount writes minor units as a number a form field can hold again:
// no thousands separators.
func plainAmount(minor int64, decimals int) string {
	return strings.ReplaceAll(formatAmount(minor, decimals), ",", "")
}

func formatAmount(minor int64, decimals int) string {
	p := policy.Policy{Decimals: decimals}
	return p.FormatAmount(minor)
}
