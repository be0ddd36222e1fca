package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// Member rows the form offers beyond those filled: enough for most
// households without script. Rows left empty are ignored.
const (
	blankMemberRows = 6
	extraMemberRows = 3
	maxVillageHints = 200
)

// memberRow is one member's inputs as typed.
type memberRow struct {
	Name, Sex, Birth, Relation, IDNumber, Phone, Disability, Health, Schooling string
	Insurance                                                                  bool
}

func (m memberRow) empty() bool {
	return strings.TrimSpace(m.Name+m.Birth+m.IDNumber+m.Phone+m.Disability+m.Health+m.Schooling) == ""
}

// indicatorInput is one indicator of the exit policy as a form input.
type indicatorInput struct {
	ID, Name, Description, Value string
	Bool, Checked, Required      bool
	Kind                         policy.Kind
	Cutoff                       string
}

// householdForm is the registration form with what was typed, and the
// error's field so the page can mark the input.
type householdForm struct {
	Ref                              string // empty for a new household
	Action, KeepKey                  string
	Village, Income, LastYear, Shock string
	CadreName, CadrePhone            string
	Indicators                       []indicatorInput
	Members                          []memberRow
	Villages                         []*region.Region
	Relations, Sexes                 []option
	Currency, PolicyName, Today      string
	ErrField, ErrMessage             string
}

// Err returns the message for field when the last error named it.
func (f *householdForm) Err(field string) string {
	if f.ErrField == field {
		return f.ErrMessage
	}
	return ""
}

// Open reports whether member row i is shown unfolded: the head's row,
// rows with something typed, and the row an error names.
func (f *householdForm) Open(i int) bool {
	return i == 0 || !f.Members[i].empty() || strings.HasPrefix(f.ErrField, fmt.Sprintf("members[%d].", i))
}

func (s *Server) householdNewPage(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	if !a.HasAny(writerRoles...) {
		s.pageError(w, r, tide.Errorf(tide.EFORBIDDEN, "your role may not register households"))
		return
	}
	f := &householdForm{Members: []memberRow{{Relation: "head"}}}
	s.showHouseholdForm(w, r, http.StatusOK, f, nil, nil)
}

func (s *Server) householdEditPage(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	h, err := s.Registry.Find(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if !a.HasAny(writerRoles...) {
		s.pageError(w, r, tide.Errorf(tide.EFORBIDDEN, "your role may not change households"))
		return
	}
	p := s.exitPolicy()
	f := &householdForm{Ref: h.Ref, Village: h.Village, Income: plainAmount(h.IncomePerPerson, p.Decimals),
		LastYear: plainAmount(h.LastYearIncome, p.Decimals), Shock: plainAmount(h.ShockCosts, p.Decimals),
		CadreName: h.Cadre.Name, CadrePhone: h.Cadre.Phone}
	for _, m := range h.Members {
		f.Members = append(f.Members, memberRow{Name: m.Name, Sex: m.Sex, Birth: m.Birth, Relation: m.Relation, IDNumber: m.IDNumber,
			Phone: m.Phone, Disability: m.Disability, Health: m.Health, Schooling: m.Schooling, Insurance: m.MedicalInsurance})
	}
	s.showHouseholdForm(w, r, http.StatusOK, f, h.Indicators, nil)
}

// showHouseholdForm renders the form; facts fills the indicator inputs.
func (s *Server) showHouseholdForm(w http.ResponseWriter, r *http.Request, status int, f *householdForm, facts map[string]float64, formErr error) {
	a := tide.ActorFrom(r.Context())
	p := s.exitPolicy()
	v := s.newView(r, "household.new", f)
	f.Action, f.KeepKey = "/households", "household-new"
	if f.Ref != "" {
		v.Title = v.T("household.edit")
		f.Action, f.KeepKey = "/households/"+f.Ref+"/edit", "household-"+f.Ref
	}
	f.Currency, f.PolicyName, f.Today = p.Currency, p.Name, time.Now().Format("2006-01-02")
	if f.Indicators == nil {
		f.Indicators = indicatorInputs(v.Lang, p, facts)
	}
	rows := max(blankMemberRows, len(f.Members)+extraMemberRows)
	for len(f.Members) < min(rows, registry.MaxMembers) {
		f.Members = append(f.Members, memberRow{})
	}
	for _, rel := range registry.Relations {
		f.Relations = append(f.Relations, option{rel, keyOr(relationKeys, rel, "relation.other")})
	}
	for _, sx := range sexes {
		f.Sexes = append(f.Sexes, option{sx, sexKeys[sx]})
	}
	villages, _, err := s.Regions.List(r.Context(), region.Filter{Prefix: a.Scope, Level: region.Village, Limit: maxVillageHints})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f.Villages = villages
	if formErr != nil {
		f.ErrField, f.ErrMessage = tide.ErrorField(formErr), tide.ErrorMessage(formErr)
		v.Error = s.fieldMessage(v, formErr)
	}
	s.render(w, r, status, "household_form", v)
}

// indicatorInputs lists the policy's indicators as inputs, filled from facts.
func indicatorInputs(lang string, p *policy.Policy, facts map[string]float64) []indicatorInput {
	var out []indicatorInput
	for _, ind := range p.Indicators {
		in := indicatorInput{ID: ind.ID, Name: indicatorName(lang, ind), Description: ind.Description, Kind: ind.Kind,
			Bool: ind.Kind == policy.KindBool, Required: ind.ExitRequired, Cutoff: strconv.FormatFloat(ind.Cutoff, 'f', -1, 64)}
		if v, ok := facts[ind.ID]; ok {
			in.Checked = v != 0
			in.Value = strconv.FormatFloat(v, 'f', -1, 64)
		}
		out = append(out, in)
	}
	return out
}

// parseHouseholdForm reads the posted form. It returns the form as typed,
// the household, and the row of the form each member came from.
func (s *Server) parseHouseholdForm(r *http.Request, ref string) (*householdForm, *registry.Household, []int, error) {
	p := s.exitPolicy()
	pf := r.PostForm
	f := &householdForm{Ref: ref, Village: strings.TrimSpace(pf.Get("village")), Income: pf.Get("income"),
		LastYear: pf.Get("last_year"), Shock: pf.Get("shock"), CadreName: pf.Get("cadre_name"), CadrePhone: pf.Get("cadre_phone")}
	h := &registry.Household{Village: f.Village, Indicators: map[string]float64{},
		Cadre: registry.Cadre{Name: strings.TrimSpace(f.CadreName), Phone: strings.TrimSpace(f.CadrePhone)}}
	var rows []int
	for i := 0; i < registry.MaxMembers; i++ {
		key := func(name string) string { return fmt.Sprintf("m%d.%s", i, name) }
		if _, ok := pf[key("name")]; !ok {
			break
		}
		m := memberRow{Name: pf.Get(key("name")), Sex: pf.Get(key("sex")), Birth: strings.TrimSpace(pf.Get(key("birth"))),
			Relation: pf.Get(key("relation")), IDNumber: pf.Get(key("id_number")), Phone: pf.Get(key("phone")),
			Disability: pf.Get(key("disability")), Health: pf.Get(key("health")), Schooling: pf.Get(key("schooling")),
			Insurance: pf.Get(key("insurance")) != ""}
		f.Members = append(f.Members, m)
		if m.empty() {
			continue
		}
		rows = append(rows, i)
		h.Members = append(h.Members, registry.Member{Name: m.Name, Sex: m.Sex, Birth: m.Birth, Relation: m.Relation,
			IDNumber: m.IDNumber, Phone: strings.TrimSpace(m.Phone), Disability: strings.TrimSpace(m.Disability),
			Health: strings.TrimSpace(m.Health), Schooling: strings.TrimSpace(m.Schooling), MedicalInsurance: m.Insurance})
	}
	f.Indicators = indicatorInputs(language(r), p, nil)
	var bad error
	for i := range f.Indicators {
		in := &f.Indicators[i]
		if in.Bool {
			in.Checked = pf.Get("ind."+in.ID) != ""
			h.Indicators[in.ID] = 0
			if in.Checked {
				h.Indicators[in.ID] = 1
			}
			continue
		}
		in.Value = strings.TrimSpace(pf.Get("ind." + in.ID))
		if in.Value == "" {
			continue
		}
		n, err := strconv.ParseFloat(in.Value, 64)
		if err != nil && bad == nil {
			bad = tide.Invalid("indicators."+in.ID, "write a number")
		}
		h.Indicators[in.ID] = n
	}
	amounts := []struct {
		field, typed string
		into         *int64
		required     bool
	}{{"income_per_person", f.Income, &h.IncomePerPerson, true}, {"last_year_income", f.LastYear, &h.LastYearIncome, false},
		{"shock_costs", f.Shock, &h.ShockCosts, false}}
	for _, am := range amounts {
		n, ok := parseAmount(am.typed, p.Decimals)
		switch {
		case am.required && strings.TrimSpace(am.typed) == "" && bad == nil:
			bad = tide.Invalid(am.field, "required")
		case !ok && bad == nil:
			bad = tide.Invalid(am.field, "write an amount such as 4500.50, with at most %d decimals", p.Decimals)
		}
		*am.into = n
	}
	return f, h, rows, bad
}

var memberField = regexp.MustCompile(`^members\[(\d+)\]\.(.+)$`)

// toRow renames a member's error field from its place among the members
// given to the place of its row in the form.
func toRow(err error, rows []int) error {
	m := memberField.FindStringSubmatch(tide.ErrorField(err))
	if m == nil {
		return err
	}
	i, _ := strconv.Atoi(m[1])
	if i >= len(rows) {
		return err
	}
	return &tide.Error{Code: tide.ErrorCode(err), Field: fmt.Sprintf("members[%d].%s", rows[i], m[2]), Message: tide.ErrorMessage(err)}
}

// refuseForm shows the form again with what was typed, or the error page
// when the failure is not the input's.
func (s *Server) refuseForm(w http.ResponseWriter, r *http.Request, f *householdForm, err error) {
	switch tide.ErrorCode(err) {
	case tide.EINVALID, tide.ECONFLICT:
		s.showHouseholdForm(w, r, ErrorStatus(err), f, nil, err)
	default:
		s.pageError(w, r, err)
	}
}

func (s *Server) householdCreate(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	f, h, rows, err := s.parseHouseholdForm(r, "")
	if err != nil {
		s.refuseForm(w, r, f, err)
		return
	}
	if err := s.Registry.Create(r.Context(), h); err != nil {
		s.refuseForm(w, r, f, toRow(err, rows))
		return
	}
	http.Redirect(w, r, "/households/"+h.Ref+"?done=created", http.StatusSeeOther)
}

func (s *Server) householdUpdate(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ref := r.PathValue("ref")
	old, err := s.Registry.Find(r.Context(), ref)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, h, rows, err := s.parseHouseholdForm(r, old.Ref)
	if err != nil {
		s.refuseForm(w, r, f, err)
		return
	}
	// Facts of indicators the form does not show (another policy's) stay.
	for k, v := range old.Indicators {
		if _, ok := h.Indicators[k]; !ok {
			h.Indicators[k] = v
		}
	}
	if _, err := s.Registry.Update(r.Context(), ref, h); err != nil {
		s.refuseForm(w, r, f, toRow(err, rows))
		return
	}
	http.Redirect(w, r, "/households/"+ref+"?done=updated", http.StatusSeeOther)
}
