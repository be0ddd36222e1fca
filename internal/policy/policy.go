// Package policy holds poverty policies as data: an income line, deprivation indicators
// with their weights and cut-offs, the exit standard and the return-to-poverty triggers.
// Policies are versioned files (YAML or JSON) shipped inside the binary or loaded from a
// folder, so a country adds or revises its standard without a code change. The package
// knows nothing of households beyond the neutral Facts the registry hands it.
package policy

import (
	"math"
	"strconv"
)

// MaxIndicators is the most indicators a policy may have. Indicator j maps to bit j of a
// deprivation mask, and the measure index keeps masks in 16 bits per person.
const MaxIndicators = 16

// ScoreEpsilon absorbs float rounding when weighted scores are summed and compared with
// k or an exit maximum, so that six deprivations weighted 1/18 count as 1/3.
const ScoreEpsilon = 1e-9

// Kind says how an indicator's fact is read to decide deprivation.
type Kind string

// The indicator kinds. A bool fact is 1 when the household meets the indicator and 0
// when it does not; min and max compare a numeric fact with the indicator's cut-off.
const (
	KindBool Kind = "bool" // deprived when the fact is 0 (false)
	KindMin  Kind = "min"  // deprived when the fact is below the cut-off
	KindMax  Kind = "max"  // deprived when the fact is above the cut-off
)

// IncomeTest says how income per person is compared with the line to classify a
// household as poor. FGT measures always use the strict test; Vietnam's standard counts
// a household at the line as poor, so the policy has to say which it means.
type IncomeTest string

// The income tests of a poverty rule.
const (
	IncomeIgnored   IncomeTest = ""            // income plays no part
	IncomeBelow     IncomeTest = "below"       // poor when income < line
	IncomeAtOrBelow IncomeTest = "at_or_below" // poor when income <= line
)

// Policy is one poverty standard, as loaded from a policy file. Policies returned by
// Builtin, Lookup and a Registry are shared and must not be modified.
type Policy struct {
	ID       string `json:"id"` // stable identifier, e.g. "cn-2020"; also the file's base name
	Name     string `json:"name"`
	Version  string `json:"version"`  // revision of the file, e.g. "2020.1"
	Source   string `json:"source"`   // where the standard is published, for pages and audits
	Currency string `json:"currency"` // ISO 4217 code of IncomeLine and of all Facts amounts
	Decimals int    `json:"decimals"` // digits of the minor unit: 2 for CNY and USD, 0 for VND

	// IncomeLine is the annual net income per person, in minor units, that the policy
	// calls the poverty line; 0 when the policy has no income test.
	IncomeLine int64       `json:"income_line"`
	Indicators []Indicator `json:"indicators"` // in bit order
	// K is the Alkire–Foster cut-off: a household is multidimensionally poor when its
	// weighted deprivation score is at least K. 0 means the policy has no such count.
	K float64 `json:"k"`

	Poverty    PovertyRule     `json:"poverty"`
	Exit       ExitRules       `json:"exit"`
	Monitoring MonitoringRules `json:"monitoring"`
}

// Indicator is one deprivation indicator. Facts carry its value under its ID.
type Indicator struct {
	ID          string  `json:"id"` // snake_case, e.g. "food_secure"
	Name        string  `json:"name"`
	NameZH      string  `json:"name_zh"`
	Dimension   string  `json:"dimension"`
	Description string  `json:"description"` // what the fact means, for whoever records it
	Weight      float64 `json:"weight"`
	Kind        Kind    `json:"kind"`
	Cutoff      float64 `json:"cutoff"` // for KindMin and KindMax
	// ExitRequired is set from ExitRules.Indicators so pages can mark the indicator.
	ExitRequired bool `json:"exit_required"`
}

// PovertyRule classifies a household as poor. When both tests are set both must hold,
// as in Vietnam's standard (income at or below the line and at least three deprivations).
type PovertyRule struct {
	Income IncomeTest `json:"income"`
	Score  bool       `json:"score"` // also require a deprivation score of at least K
}

// ExitRules is the standard a household must meet to leave poverty. Every rule set
// must hold; a policy has at least one.
type ExitRules struct {
	IncomeAboveLine bool     `json:"income_above_line"` // income per person strictly above the line
	Indicators      []string `json:"indicators"`        // indicator IDs that must not be deprived
	MaxScore        *float64 `json:"max_score"`         // optional: deprivation score at most this
}

// MonitoringRules are the triggers that put a household on the return-to-poverty
// watch list. A zero value switches its trigger off.
type MonitoringRules struct {
	IncomeFactor     float64 `json:"income_factor"`      // flags income per person under IncomeFactor × line
	IncomeFallPct    float64 `json:"income_fall_pct"`    // flags a fall of at least this share from last year
	ShockAboveIncome bool    `json:"shock_above_income"` // flags rigid costs above last year's household income
}

// Weights returns the indicator weights in bit order, for the measure index.
func (p *Policy) Weights() []float64 {
	w := make([]float64, len(p.Indicators))
	for j, ind := range p.Indicators {
		w[j] = ind.Weight
	}
	return w
}

// Score returns the weighted deprivation score of a mask: the sum of the weights of the
// indicators whose bits are set. Bits beyond the policy's indicators are ignored.
func (p *Policy) Score(mask uint32) float64 {
	var s float64
	for j, ind := range p.Indicators {
		if mask&(1<<j) != 0 {
			s += ind.Weight
		}
	}
	return s
}

// MultidimensionallyPoor reports whether a mask's score reaches K. It is false for a
// policy without a multidimensional count (K = 0).
func (p *Policy) MultidimensionallyPoor(mask uint32) bool {
	return p.K > 0 && p.Score(mask) >= p.K-ScoreEpsilon
}

// IndicatorIndex returns the index (bit) of the indicator with the given ID.
func (p *Policy) IndicatorIndex(id string) (int, bool) {
	for j, ind := range p.Indicators {
		if ind.ID == id {
			return j, true
		}
	}
	return -1, false
}

// Poor classifies a household by the policy's poverty rule. Missing indicator facts
// count as not deprived, as in Deprivations.
func (p *Policy) Poor(f Facts) bool {
	poor := true
	switch p.Poverty.Income {
	case IncomeBelow:
		poor = f.IncomePerPerson < p.IncomeLine
	case IncomeAtOrBelow:
		poor = f.IncomePerPerson <= p.IncomeLine
	}
	if p.Poverty.Score {
		mask, _ := p.Deprivations(f)
		poor = poor && p.MultidimensionallyPoor(mask)
	}
	return poor
}

// FormatAmount formats an amount in the policy's minor units with thousands separators,
// e.g. 385000 fen as "3,850.00".
func (p *Policy) FormatAmount(minor int64) string {
	return formatMinor(minor, p.Decimals)
}

// formatMinor formats minor units with the given number of decimals.
func formatMinor(minor int64, decimals int) string {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = uint64(-(minor + 1)) + 1 // safe for math.MinInt64
	}
	div := uint64(math.Pow10(decimals))
	whole, frac := u/div, u%div
	digits := []byte{}
	for s, i := strconv.FormatUint(whole, 10), 0; i < len(s); i++ {
		if i > 0 && (len(s)-i)%3 == 0 {
			digits = append(digits, ',')
		}
		digits = append(digits, s[i])
	}
	out := string(digits)
	if decimals > 0 {
		f := strconv.FormatUint(frac, 10)
		for len(f) < decimals {
			f = "0" + f
		}
		out += "." + f
	}
	if neg {
		out = "-" + out
	}
	return out
}
