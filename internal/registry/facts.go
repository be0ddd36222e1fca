package registry

import (
	"github.com/tide-project/tide/internal/policy"
)

// Policies finds a policy by ID; *policy.Registry is one. The registry reads
// policies as rules held in data, the way it reads money or clocks.
type Policies interface {
	Lookup(id string) (*policy.Policy, bool)
	Policies() []*policy.Policy
}

// Facts turns a household into the neutral facts a policy evaluates. Its
// income per person counts this year's market income.
func (h *Household) Facts() policy.Facts {
	return policy.Facts{IncomePerPerson: h.TotalIncomePerPerson(), LastYearIncomePerPerson: h.LastYearIncome,
		Persons: len(h.Members), ShockCosts: h.ShockCosts, Indicators: h.Indicators}
}

// TotalIncomePerPerson is the income per person that measures, exit and
// monitoring use: the declared income per person and this year's market
// income shared among the members.
func (h *Household) TotalIncomePerPerson() int64 {
	if len(h.Members) == 0 {
		return h.IncomePerPerson
	}
	return h.IncomePerPerson + h.MarketIncome/int64(len(h.Members))
}
