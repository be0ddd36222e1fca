package policy

import (
	"fmt"
	"math"
	"strconv"
)

// Facts is what a policy needs to know about one household, in neutral terms the
// registry fills from its own records. Amounts are in the policy's minor units.
type Facts struct {
	IncomePerPerson         int64 `json:"income_per_person"`
	LastYearIncomePerPerson int64 `json:"last_year_income_per_person"` // 0 when unknown
	Persons                 int   `json:"persons"`
	// ShockCosts is this year's medical, disaster and other rigid spending of the
	// whole household.
	ShockCosts int64 `json:"shock_costs"`
	// Indicators holds each indicator's fact under its ID: for bool indicators 1 when
	// met (true) and 0 when not; for min and max indicators the measured value.
	Indicators map[string]float64 `json:"indicators"`
}

// Deprivations returns the household's deprivation mask, bit j set when indicator j is
// deprived, and the IDs of indicators with no fact. A missing fact counts as not
// deprived, so measures are not inflated by gaps; it is reported so the gap is seen.
func (p *Policy) Deprivations(f Facts) (mask uint32, missing []string) {
	for j, ind := range p.Indicators {
		v, ok := fact(f, ind.ID)
		if !ok {
			missing = append(missing, ind.ID)
			continue
		}
		if ind.deprived(v) {
			mask |= 1 << j
		}
	}
	return mask, missing
}

// fact returns an indicator's fact; NaN counts as missing.
func fact(f Facts, id string) (float64, bool) {
	v, ok := f.Indicators[id]
	return v, ok && !math.IsNaN(v)
}

func (ind Indicator) deprived(v float64) bool {
	switch ind.Kind {
	case KindMin:
		return v < ind.Cutoff
	case KindMax:
		return v > ind.Cutoff
	}
	return v == 0
}

// ExitAssessment is the outcome of checking a household against a policy's exit
// standard. Criteria lists every rule, met or not, each with its reason, so the officer
// approving the exit sees why.
type ExitAssessment struct {
	Eligible bool        `json:"eligible"`
	Criteria []Criterion `json:"criteria"`
}

// Criterion is one rule of an exit standard as applied to one household.
type Criterion struct {
	ID     string `json:"id"` // "income", "score" or an indicator ID
	Name   string `json:"name"`
	Met    bool   `json:"met"`
	Reason string `json:"reason"`
}

// AssessExit checks a household against the exit standard. Unlike Deprivations it
// treats a missing fact as not met: an exit needs evidence, not the absence of it.
func (p *Policy) AssessExit(f Facts) ExitAssessment {
	var a ExitAssessment
	if p.Exit.IncomeAboveLine {
		a.Criteria = append(a.Criteria, p.incomeCriterion(f.IncomePerPerson))
	}
	for _, id := range p.Exit.Indicators {
		j, _ := p.IndicatorIndex(id)
		a.Criteria = append(a.Criteria, p.Indicators[j].criterion(f))
	}
	if p.Exit.MaxScore != nil {
		a.Criteria = append(a.Criteria, p.scoreCriterion(f, *p.Exit.MaxScore))
	}
	a.Eligible = len(a.Criteria) > 0
	for _, c := range a.Criteria {
		a.Eligible = a.Eligible && c.Met
	}
	return a
}

func (p *Policy) incomeCriterion(income int64) Criterion {
	c := Criterion{ID: "income", Name: "income above the line", Met: income > p.IncomeLine}
	got, line := p.FormatAmount(income), p.FormatAmount(p.IncomeLine)
	switch {
	case income > p.IncomeLine:
		c.Reason = fmt.Sprintf("income per person %s above the line %s", got, line)
	case income == p.IncomeLine:
		c.Reason = fmt.Sprintf("income per person %s at the line %s, not above it", got, line)
	default:
		c.Reason = fmt.Sprintf("income per person %s below the line %s", got, line)
	}
	return c
}

func (ind Indicator) criterion(f Facts) Criterion {
	c := Criterion{ID: ind.ID, Name: ind.Name}
	v, ok := fact(f, ind.ID)
	if !ok {
		c.Reason = ind.ID + ": no fact recorded"
		return c
	}
	c.Met = !ind.deprived(v)
	val, cut := num(v), num(ind.Cutoff)
	switch {
	case ind.Kind == KindBool && c.Met:
		c.Reason = ind.ID + ": met"
	case ind.Kind == KindBool:
		c.Reason = ind.ID + ": not met"
	case ind.Kind == KindMin && c.Met:
		c.Reason = fmt.Sprintf("%s: %s, at least the cut-off %s", ind.ID, val, cut)
	case ind.Kind == KindMin:
		c.Reason = fmt.Sprintf("%s: %s below the cut-off %s", ind.ID, val, cut)
	case c.Met:
		c.Reason = fmt.Sprintf("%s: %s, at most the cut-off %s", ind.ID, val, cut)
	default:
		c.Reason = fmt.Sprintf("%s: %s above the cut-off %s", ind.ID, val, cut)
	}
	return c
}

func (p *Policy) scoreCriterion(f Facts, maxScore float64) Criterion {
	c := Criterion{ID: "score", Name: "deprivation score"}
	mask, missing := p.Deprivations(f)
	score := p.Score(mask)
	switch {
	case len(missing) > 0:
		c.Reason = fmt.Sprintf("deprivation score cannot be confirmed: no fact recorded for %v", missing)
	case score <= maxScore+ScoreEpsilon:
		c.Met = true
		c.Reason = fmt.Sprintf("deprivation score %.4f within the maximum %.4f", score, maxScore)
	default:
		c.Reason = fmt.Sprintf("deprivation score %.4f above the maximum %.4f", score, maxScore)
	}
	return c
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
