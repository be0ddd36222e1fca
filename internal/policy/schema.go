package policy

import "go.yaml.in/yaml/v3"

// The policy file schema. Keys are snake_case; amounts are integers in minor units;
// weights, k and cut-offs are numbers or fractions written as strings ("1/18").
//
//	id: cn-2020                # required; lower case, digits and hyphens
//	name: China 2020 ...       # required
//	version: "2020.1"          # required; revision of this file
//	source: ...                # optional citation
//	currency: CNY              # required; ISO 4217
//	decimals: 2                # optional; digits of the minor unit, default by currency
//	income_line: 400000        # annual net income per person, minor units; 0 = none
//	k: 1/3                     # Alkire–Foster cut-off; 0 or omitted = none
//	indicators:                # at most 16, in bit order
//	  - id: food_secure        # required; snake_case
//	    name: Food secure      # required
//	    name_zh: 不愁吃
//	    dimension: two_no_worries
//	    description: ...       # what the recorded fact means
//	    weight: 1/6            # required when k > 0; weights then sum to 1
//	    kind: bool             # required; bool, min or max
//	    cutoff: 6              # required for min and max only
//	poverty:                   # required; at least one test
//	  income: below            # below | at_or_below
//	  score: false             # also require a score of at least k
//	exit:                      # required; at least one rule
//	  income_above_line: true
//	  indicators: [food_secure]
//	  max_score: 5/18
//	monitoring:                # optional; zero values switch triggers off
//	  income_factor: 1.5
//	  income_fall_pct: 0.3
//	  shock_above_income: true
func (d *decoder) policy(n *yaml.Node) *Policy {
	p := &Policy{}
	var decimals int64
	seen := d.mapping(n, "", fields{
		"id":          d.str(&p.ID),
		"name":        d.str(&p.Name),
		"version":     d.str(&p.Version),
		"source":      d.str(&p.Source),
		"currency":    d.str(&p.Currency),
		"decimals":    d.integer(&decimals),
		"income_line": d.integer(&p.IncomeLine),
		"k":           d.number(&p.K),
		"indicators": func(n *yaml.Node, at string) {
			d.sequence(n, at, func(n *yaml.Node, at string) {
				p.Indicators = append(p.Indicators, d.indicator(n, at))
			})
		},
		"poverty": func(n *yaml.Node, at string) {
			var income string
			d.mapping(n, at, fields{
				"income": d.str(&income),
				"score":  d.boolean(&p.Poverty.Score),
			})
			p.Poverty.Income = IncomeTest(income)
		},
		"exit": func(n *yaml.Node, at string) {
			var maxScore float64
			seen := d.mapping(n, at, fields{
				"income_above_line": d.boolean(&p.Exit.IncomeAboveLine),
				"indicators":        d.strs(&p.Exit.Indicators),
				"max_score":         d.number(&maxScore),
			})
			if seen["max_score"] {
				p.Exit.MaxScore = &maxScore
			}
		},
		"monitoring": func(n *yaml.Node, at string) {
			d.mapping(n, at, fields{
				"income_factor":      d.number(&p.Monitoring.IncomeFactor),
				"income_fall_pct":    d.number(&p.Monitoring.IncomeFallPct),
				"shock_above_income": d.boolean(&p.Monitoring.ShockAboveIncome),
			})
		},
	})
	d.require(n, "", seen, "id", "name", "version", "currency", "poverty", "exit")
	p.Decimals = currencyDecimals(p.Currency)
	if seen["decimals"] {
		p.Decimals = int(max(min(decimals, 100), -1)) // validate rejects anything outside 0..4
	}
	return p
}

func (d *decoder) indicator(n *yaml.Node, at string) Indicator {
	var ind Indicator
	var kind string
	seen := d.mapping(n, at, fields{
		"id":          d.str(&ind.ID),
		"name":        d.str(&ind.Name),
		"name_zh":     d.str(&ind.NameZH),
		"dimension":   d.str(&ind.Dimension),
		"description": d.str(&ind.Description),
		"weight":      d.number(&ind.Weight),
		"kind":        d.str(&kind),
		"cutoff":      d.number(&ind.Cutoff),
	})
	d.require(n, at, seen, "id", "name", "kind")
	ind.Kind = Kind(kind)
	return ind
}

// currencyDecimals returns the ISO 4217 minor-unit digits of the currencies Tide is
// likely to meet with none; every other currency defaults to 2.
func currencyDecimals(code string) int {
	switch code {
	case "VND", "JPY", "KRW", "CLP", "ISK", "PYG", "UGX", "RWF", "XAF", "XOF":
		return 0
	}
	return 2
}
