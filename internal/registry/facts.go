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

// Facts turns a household into the neutral facts a policy evaluates.
func (h *Household) Facts() policy.Facts {
	return policy.Facts{IncomePerPerson: h.IncomePerPerson, LastYearIncomePerPerson: h.LastYearIncome,
		Persons: len(h.Members), ShockCosts: h.ShockCosts, Indicators: h.Indicators}
}
