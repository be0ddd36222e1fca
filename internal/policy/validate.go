package policy

import (
	"fmt"
	"math"
	"regexp"
)

var (
	policyID    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	indicatorID = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	currency    = regexp.MustCompile(`^[A-Z]{3}$`)
)

// validate checks a decoded policy as a whole, in file order, so the first error
// reported is the first one the author meets reading down.
func (d *decoder) validate(p *Policy) {
	if !policyID.MatchString(p.ID) {
		d.failf(d.at("id"), "id", `must be lower-case letters, digits and hyphens, e.g. "cn-2020"`)
	}
	if !currency.MatchString(p.Currency) {
		d.failf(d.at("currency"), "currency", "must be an ISO 4217 code such as CNY")
	}
	if p.Decimals < 0 || p.Decimals > 4 {
		d.failf(d.at("decimals"), "decimals", "must be between 0 and 4")
	}
	if p.IncomeLine < 0 {
		d.failf(d.at("income_line"), "income_line", "must not be negative")
	}
	if p.K < 0 || p.K > 1 {
		d.failf(d.at("k"), "k", "must be in (0, 1], or 0 for no multidimensional count")
	}
	d.validateIndicators(p)
	needLine := func(field string) {
		if p.IncomeLine == 0 {
			d.failf(d.at(field), field, "needs an income_line above 0")
		}
	}

	switch p.Poverty.Income {
	case IncomeIgnored:
	case IncomeBelow, IncomeAtOrBelow:
		needLine("poverty.income")
	default:
		d.failf(d.at("poverty.income"), "poverty.income",
			"unknown income test %q (want below or at_or_below)", p.Poverty.Income)
	}
	if p.Poverty.Score && p.K == 0 {
		d.failf(d.at("poverty.score"), "poverty.score", "needs k above 0")
	}
	if p.Poverty.Income == IncomeIgnored && !p.Poverty.Score {
		d.failf(d.at("poverty"), "poverty", "must set income, score or both")
	}

	if p.Exit.IncomeAboveLine {
		needLine("exit.income_above_line")
	}
	seen := map[string]bool{}
	for i, id := range p.Exit.Indicators {
		field := fmt.Sprintf("exit.indicators[%d]", i)
		if _, ok := p.IndicatorIndex(id); !ok {
			d.failf(d.at(field), field, "unknown indicator %q", id)
		} else if seen[id] {
			d.failf(d.at(field), field, "indicator %q listed twice", id)
		}
		seen[id] = true
	}
	if m := p.Exit.MaxScore; m != nil {
		if p.K == 0 {
			d.failf(d.at("exit.max_score"), "exit.max_score", "needs k above 0 (weights that sum to 1)")
		} else if *m < 0 || *m > 1 {
			d.failf(d.at("exit.max_score"), "exit.max_score", "must be between 0 and 1")
		}
	}
	if !p.Exit.IncomeAboveLine && len(p.Exit.Indicators) == 0 && p.Exit.MaxScore == nil {
		d.failf(d.at("exit"), "exit", "must set at least one rule")
	}

	m := p.Monitoring
	if m.IncomeFactor < 0 || (m.IncomeFactor > 0 && m.IncomeFactor < 1) {
		d.failf(d.at("monitoring.income_factor"), "monitoring.income_factor", "must be 0 (off) or at least 1")
	} else if m.IncomeFactor > 0 {
		needLine("monitoring.income_factor")
	}
	if m.IncomeFallPct < 0 || m.IncomeFallPct > 1 {
		d.failf(d.at("monitoring.income_fall_pct"), "monitoring.income_fall_pct", "must be between 0 and 1")
	}
}

func (d *decoder) validateIndicators(p *Policy) {
	if len(p.Indicators) > MaxIndicators {
		field := fmt.Sprintf("indicators[%d]", MaxIndicators)
		d.failf(d.at(field), field, "a policy has at most %d indicators", MaxIndicators)
	}
	first := map[string]int{}
	var sum float64
	for i, ind := range p.Indicators {
		at := fmt.Sprintf("indicators[%d]", i)
		field := func(key string) string { return at + "." + key }
		if !indicatorID.MatchString(ind.ID) {
			d.failf(d.at(field("id")), field("id"), `must be snake_case, e.g. "food_secure"`)
		} else if j, dup := first[ind.ID]; dup {
			d.failf(d.at(field("id")), field("id"), "duplicate indicator id %q (also indicators[%d])", ind.ID, j)
		} else {
			first[ind.ID] = i
		}
		if ind.Weight < 0 || ind.Weight > 1 {
			d.failf(d.at(field("weight")), field("weight"), "must be between 0 and 1")
		} else if p.K > 0 && !d.has(field("weight")) {
			d.failf(d.at(at), field("weight"), "is required when k is above 0")
		}
		switch ind.Kind {
		case KindBool:
			if d.has(field("cutoff")) {
				d.failf(d.at(field("cutoff")), field("cutoff"), "only kinds min and max take a cut-off")
			}
		case KindMin, KindMax:
			if !d.has(field("cutoff")) {
				d.failf(d.at(at), field("cutoff"), "is required for kind %s", ind.Kind)
			}
		default:
			d.failf(d.at(field("kind")), field("kind"), "unknown kind %q (want bool, min or max)", ind.Kind)
		}
		sum += ind.Weight
	}
	if p.K > 0 {
		if len(p.Indicators) == 0 {
			d.failf(d.at("k"), "k", "needs indicators to count")
		} else if math.Abs(sum-1) > ScoreEpsilon {
			d.failf(d.at("indicators"), "indicators", "weights sum to %.10g, want 1", sum)
		}
	}
}
