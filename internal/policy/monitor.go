package policy

import (
	"fmt"
	"math"
)

// The codes of monitoring reasons, stable for storage and translation.
const (
	ReasonLowIncome  = "low_income"
	ReasonIncomeFall = "income_fall"
	ReasonShockCosts = "shock_costs"
)

// Reason is one trigger that puts a household on the return-to-poverty watch list.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// MonitoringReasons returns the policy's monitoring triggers that the household's facts
// set off, in a fixed order, or none. Thresholds are rounded to whole minor units so
// that a household exactly at a threshold is judged the same way on every machine.
//
// Shock costs are compared with last year's household income (income per person ×
// persons, at least one person); when last year is unknown, this year's income
// stands in for it.
func (p *Policy) MonitoringReasons(f Facts) []Reason {
	m := p.Monitoring
	var rs []Reason
	if m.IncomeFactor > 0 {
		limit := int64(math.Round(m.IncomeFactor * float64(p.IncomeLine)))
		if f.IncomePerPerson < limit {
			rs = append(rs, Reason{ReasonLowIncome, fmt.Sprintf(
				"income per person %s below %s × the line (%s)",
				p.FormatAmount(f.IncomePerPerson), num(m.IncomeFactor), p.FormatAmount(limit))})
		}
	}
	if last := f.LastYearIncomePerPerson; m.IncomeFallPct > 0 && last > 0 {
		fall := last - f.IncomePerPerson
		if fall > 0 && fall >= int64(math.Round(m.IncomeFallPct*float64(last))) {
			rs = append(rs, Reason{ReasonIncomeFall, fmt.Sprintf(
				"income per person fell %.0f%% from %s to %s (trigger %s%%)",
				100*float64(fall)/float64(last), p.FormatAmount(last),
				p.FormatAmount(f.IncomePerPerson), num(math.Round(m.IncomeFallPct*1e4)/100))})
		}
	}
	if m.ShockAboveIncome && f.ShockCosts > 0 {
		persons := int64(max(f.Persons, 1))
		income, which := f.LastYearIncomePerPerson*persons, "last year's"
		if f.LastYearIncomePerPerson == 0 {
			income, which = f.IncomePerPerson*persons, "this year's"
		}
		if f.ShockCosts > income {
			rs = append(rs, Reason{ReasonShockCosts, fmt.Sprintf(
				"medical, disaster and other rigid costs %s above %s household income %s",
				p.FormatAmount(f.ShockCosts), which, p.FormatAmount(income))})
		}
	}
	return rs
}
