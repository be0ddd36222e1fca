package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

type memberView struct {
	Name, SexKey, Birth, RelationKey, IDNumber, Phone, Disability, Health, Schooling string
	Insurance                                                                        bool
}

type criterionView struct {
	Name, Reason string
	Met          bool
}

type stepView struct {
	Key, Actor, At, Note string
}

type ladderStep struct {
	Key           string
	Done, Current bool
}

type reasonView struct{ Key, Message string }

type assistView struct {
	KindKey, Description, Cost, Date, Actor string
}

// assistForm and cadreForm hold what was typed when the service refused it.
type assistForm struct{ Kind, Description, Cost, Date string }
type cadreForm struct{ Name, Phone string }

type householdData struct {
	H                       *registry.Household
	VillageName             string
	StatusKey               string
	Income, LastYear, Shock string
	// Market is this year's market income of the household in all; Total
	// the income per person the measures count, market income included.
	Market, Total               string
	Currency                    string
	Members                     []memberView
	Criteria                    []criterionView
	Eligible                    bool
	History                     []stepView
	Exit                        *registry.Exit
	ExitStageKey, PostingEnds   string
	Ladder                      []ladderStep
	ExitSteps                   []stepView
	ExitActions                 []option
	CanEdit, CanAssist, CanPair bool
	Assistance                  []assistView
	Kinds                       []option
	AssistForm                  assistForm
	CadreForm                   cadreForm
	Watch                       *registry.Watch
	WatchStageKey               string
	WatchReasons                []reasonView
	WatchSteps                  []stepView
	WatchActions                []option
	Done                        string
	Today                       string
	PolicyName                  string
}

// doneKeys are the notes shown after a step succeeded (?done=…).
var doneKeys = map[string]string{
	"created": "household.done.created", "updated": "household.done.updated", "propose": "exit.done.propose",
	"review": "exit.done.review", "check": "exit.done.check", "approve": "exit.done.approve", "reject": "exit.done.reject",
	"assist": "assist.done", "cadre": "pair.done", "watch": "watch.done",
}

func (s *Server) householdPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	d := householdData{Done: doneKeys[r.URL.Query().Get("done")]}
	s.showHousehold(w, r, http.StatusOK, r.PathValue("ref"), d, nil)
}

// showHousehold renders the household page; formErr, when set, is shown at
// the top and d keeps what was typed into the form that caused it.
func (s *Server) showHousehold(w http.ResponseWriter, r *http.Request, status int, ref string, d householdData, formErr error) {
	ctx := r.Context()
	a := tide.ActorFrom(ctx)
	h, err := s.Registry.Find(ctx, ref)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := s.exitPolicy()
	v := s.newView(r, "household.title", nil)
	d.H, d.Currency, d.PolicyName = h, p.Currency, p.Name
	d.StatusKey = keyOr(statusKeys, h.Status, "status.unknown")
	d.Income, d.LastYear, d.Shock = p.FormatAmount(h.IncomePerPerson), p.FormatAmount(h.LastYearIncome), p.FormatAmount(h.ShockCosts)
	d.Market, d.Total = p.FormatAmount(h.MarketIncome), p.FormatAmount(h.TotalIncomePerPerson())
	d.VillageName = s.regionNames(ctx, []string{h.Village})[h.Village]
	d.Today = time.Now().Format("2006-01-02")
	for _, m := range h.Members {
		d.Members = append(d.Members, memberView{Name: m.Name, SexKey: keyOr(sexKeys, m.Sex, "sex.x"), Birth: m.Birth,
			RelationKey: keyOr(relationKeys, m.Relation, "relation.other"), IDNumber: m.IDNumber, Phone: m.Phone,
			Disability: m.Disability, Health: m.Health, Schooling: m.Schooling, Insurance: m.MedicalInsurance})
	}
	as, err := s.Registry.Assess(ctx, ref, p.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Eligible, d.Criteria = as.Eligible, criteria(v, p, h, as)
	hist, err := s.Registry.History(ctx, ref)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.History = append(d.History, stepView{Key: "household.registered", At: h.CreatedAt.Local().Format("2006-01-02 15:04")})
	for _, c := range hist {
		d.History = append(d.History, stepView{Key: keyOr(statusKeys, c.To, "status.unknown"), Actor: c.Actor, At: c.At.Local().Format("2006-01-02 15:04"), Note: c.Reason})
	}
	if err := s.householdExit(r, a, h, &d); err != nil {
		s.pageError(w, r, err)
		return
	}
	list, err := s.Registry.AssistanceOf(ctx, ref)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, as := range list {
		d.Assistance = append(d.Assistance, assistView{KindKey: keyOr(kindKeys, as.Kind, "assist.kind.other"), Description: as.Description,
			Cost: p.FormatAmount(as.Cost), Date: as.Date, Actor: as.Actor})
	}
	d.CanEdit, d.CanAssist, d.CanPair = a.HasAny(writerRoles...), a.HasAny(writerRoles...), a.HasAny(writerRoles...)
	for _, k := range registry.AssistanceKinds {
		d.Kinds = append(d.Kinds, option{k, keyOr(kindKeys, k, "assist.kind.other")})
	}
	if d.AssistForm.Date == "" {
		d.AssistForm.Date = d.Today
	}
	if formErr == nil {
		d.CadreForm = cadreForm{h.Cadre.Name, h.Cadre.Phone}
	}
	if err := s.householdWatch(r, a, h, &d); err != nil {
		s.pageError(w, r, err)
		return
	}
	v.Data = &d
	v.Title = v.T("household.title") + " " + headName(h)
	if formErr != nil {
		v.Error = s.fieldMessage(v, formErr)
	}
	s.render(w, r, status, "household", v)
}

// criteria turns an exit assessment into lines in the page's language.
func criteria(v *view, p *policy.Policy, h *registry.Household, as registry.ExitAssessment) []criterionView {
	var out []criterionView
	for _, c := range as.Criteria {
		cv := criterionView{Name: c.Name, Met: c.Met, Reason: c.Reason}
		switch j, isInd := p.IndicatorIndex(c.ID); {
		case c.ID == "income":
			cv.Name = v.T("assess.income")
			income := h.TotalIncomePerPerson()
			got, line := p.FormatAmount(income), p.FormatAmount(p.IncomeLine)
			switch {
			case income > p.IncomeLine:
				cv.Reason = v.T("assess.income.above", got, line)
			case income == p.IncomeLine:
				cv.Reason = v.T("assess.income.at", got, line)
			default:
				cv.Reason = v.T("assess.income.below", got, line)
			}
		case isInd:
			ind := p.Indicators[j]
			cv.Name = indicatorName(v.Lang, ind)
			if _, known := h.Indicators[ind.ID]; !known {
				cv.Reason = v.T("assess.nofact")
			} else if ind.Kind == policy.KindBool && c.Met {
				cv.Reason = v.T("assess.met")
			} else if ind.Kind == policy.KindBool {
				cv.Reason = v.T("assess.notmet")
			}
		}
		out = append(out, cv)
	}
	return out
}

// householdExit fills the exit workflow: the stages, the steps taken and
// the buttons the person's role may press.
func (s *Server) householdExit(r *http.Request, a *tide.Actor, h *registry.Household, d *householdData) error {
	e, err := s.Registry.OpenExit(r.Context(), h.Ref)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		if h.Status.Poor() && d.Eligible && a.HasAny(writerRoles...) {
			d.ExitActions = append(d.ExitActions, option{"propose", exitStepKeys["propose"]})
		}
		return nil
	} else if err != nil {
		return err
	}
	d.Exit, d.ExitStageKey = e, keyOr(stageKeys, e.Stage, "exit.stage.proposed")
	if !e.PostingEnds.IsZero() {
		d.PostingEnds = e.PostingEnds.Local().Format("2006-01-02 15:04")
	}
	cur := slices.Index(exitLadder, e.Stage)
	for i, st := range exitLadder {
		d.Ladder = append(d.Ladder, ladderStep{Key: stageKeys[st], Done: i <= cur, Current: i == cur})
	}
	for _, st := range e.Steps {
		d.ExitSteps = append(d.ExitSteps, stepView{Key: keyOr(stageKeys, st.Stage, "exit.stage.proposed"), Actor: st.Actor,
			At: st.At.Local().Format("2006-01-02 15:04"), Note: st.Note})
	}
	for _, step := range []string{"review", "check", "approve"} {
		if exitStepFrom[step] == e.Stage && a.HasAny(exitStepRoles[step]...) {
			d.ExitActions = append(d.ExitActions, option{step, exitStepKeys[step]})
		}
	}
	if a.HasAny(exitStepRoles["reject"]...) {
		d.ExitActions = append(d.ExitActions, option{"reject", exitStepKeys["reject"]})
	}
	return nil
}

// householdWatch fills the household's open monitoring case, if any. The
// registry lists cases by region, so the household's village is searched.
func (s *Server) householdWatch(r *http.Request, a *tide.Actor, h *registry.Household, d *householdData) error {
	if h.Status != registry.Monitored && h.Status != registry.Exited {
		return nil
	}
	for offset := 0; ; offset += 500 {
		list, total, err := s.Registry.Watches(r.Context(), h.Village, true, offset, 500)
		if err != nil {
			return err
		}
		for _, w := range list {
			if w.Household == h.Ref {
				d.Watch, d.WatchStageKey = w, keyOr(watchStageKeys, w.Stage, "watch.stage.flagged")
				for _, rs := range w.Reasons {
					d.WatchReasons = append(d.WatchReasons, reasonView{keyOr(reasonKeys, rs.Code, "watch.reason.other"), rs.Message})
				}
				for _, st := range w.Steps {
					d.WatchSteps = append(d.WatchSteps, stepView{Key: keyOr(watchStageKeys, registry.WatchStage(st.Stage), "watch.stage.flagged"),
						Actor: st.Actor, At: st.At.Local().Format("2006-01-02 15:04"), Note: st.Note})
				}
				if a.HasAny(countyRoles...) {
					for _, step := range watchStepOrder {
						d.WatchActions = append(d.WatchActions, option{step, watchStepKeys[step]})
					}
				}
				return nil
			}
		}
		if offset+len(list) >= total || len(list) == 0 {
			return nil
		}
	}
}

// actionFailed shows a refused step on the household page, or the error
// page when the household itself cannot be shown.
func (s *Server) actionFailed(w http.ResponseWriter, r *http.Request, ref string, d householdData, err error) {
	switch tide.ErrorCode(err) {
	case tide.EINVALID, tide.ECONFLICT, tide.EFORBIDDEN:
		s.showHousehold(w, r, ErrorStatus(err), ref, d, err)
	default:
		s.pageError(w, r, err)
	}
}

func (s *Server) householdExitStep(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ref, step, note := r.PathValue("ref"), r.PostFormValue("step"), r.PostFormValue("note")
	var err error
	if step == "propose" {
		_, err = s.Registry.ProposeExit(r.Context(), ref, note)
	} else {
		_, err = s.Registry.AdvanceExit(r.Context(), ref, step, note)
	}
	if err != nil {
		s.actionFailed(w, r, ref, householdData{}, withoutField(err))
		return
	}
	http.Redirect(w, r, "/households/"+ref+"?done="+urlQueryEscape(step)+"#exit", http.StatusSeeOther)
}

func (s *Server) householdAssist(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ref := r.PathValue("ref")
	f := assistForm{Kind: r.PostFormValue("kind"), Description: r.PostFormValue("description"),
		Cost: r.PostFormValue("cost"), Date: strings.TrimSpace(r.PostFormValue("date"))}
	cost, ok := parseAmount(f.Cost, s.exitPolicy().Decimals)
	if !ok {
		s.actionFailed(w, r, ref, householdData{AssistForm: f}, tide.Invalid("cost", "write the cost as a number, e.g. 1200.50"))
		return
	}
	_, err := s.Registry.Assist(r.Context(), ref, registry.Assistance{Kind: f.Kind, Description: f.Description, Cost: cost, Date: f.Date})
	if err != nil {
		s.actionFailed(w, r, ref, householdData{AssistForm: f}, err)
		return
	}
	http.Redirect(w, r, "/households/"+ref+"?done=assist#assistance", http.StatusSeeOther)
}

func (s *Server) householdPair(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ref := r.PathValue("ref")
	f := cadreForm{Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone")}
	if _, err := s.Registry.Pair(r.Context(), ref, registry.Cadre{Name: f.Name, Phone: f.Phone}); err != nil {
		if tide.ErrorField(err) != "" {
			err = &tide.Error{Code: tide.ErrorCode(err), Field: "cadre." + tide.ErrorField(err), Message: tide.ErrorMessage(err)}
		}
		s.actionFailed(w, r, ref, householdData{CadreForm: f}, err)
		return
	}
	http.Redirect(w, r, "/households/"+ref+"?done=cadre#cadre", http.StatusSeeOther)
}

func (s *Server) householdWatchStep(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ref := r.PathValue("ref")
	if _, err := s.Registry.WorkWatch(r.Context(), ref, r.PostFormValue("step"), r.PostFormValue("note")); err != nil {
		s.actionFailed(w, r, ref, householdData{}, withoutField(err))
		return
	}
	http.Redirect(w, r, "/households/"+ref+"?done=watch#monitoring", http.StatusSeeOther)
}

// withoutField drops the field of a step's error: the page has no input to
// point at, only the reason to show.
func withoutField(err error) error {
	if tide.ErrorField(err) == "" {
		return err
	}
	return &tide.Error{Code: tide.ErrorCode(err), Message: tide.ErrorMessage(err)}
}
