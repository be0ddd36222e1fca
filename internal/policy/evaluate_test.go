package policy

import (
	"slices"
	"strings"
	"testing"
)

// cnFacts returns facts for a cn-2020 household meeting every indicator.
func cnFacts(tb testing.TB, income int64) Facts {
	tb.Helper()
	f := Facts{IncomePerPerson: income, Persons: 3, Indicators: map[string]float64{}}
	for _, ind := range lookup(tb, "cn-2020").Indicators {
		f.Indicators[ind.ID] = 1
	}
	return f
}

func TestDeprivations(t *testing.T) {
	p := lookup(t, "test") // food_secure (bool), schooling_years (min 6), persons_per_room (max 3)
	for _, tc := range []struct {
		name        string
		facts       map[string]float64
		wantMask    uint32
		wantMissing []string
	}{
		{"NoneDeprived", map[string]float64{"food_secure": 1, "schooling_years": 6, "persons_per_room": 3}, 0, nil},
		{"BoolFalse", map[string]float64{"food_secure": 0, "schooling_years": 9, "persons_per_room": 1}, 0b001, nil},
		{"MinBelowCutoff", map[string]float64{"food_secure": 1, "schooling_years": 5.5, "persons_per_room": 1}, 0b010, nil},
		{"MaxAboveCutoff", map[string]float64{"food_secure": 1, "schooling_years": 9, "persons_per_room": 3.5}, 0b100, nil},
		{"AllDeprived", map[string]float64{"food_secure": 0, "schooling_years": 0, "persons_per_room": 4}, 0b111, nil},
		{"MissingNotDeprived", map[string]float64{"schooling_years": 2}, 0b010, []string{"food_secure", "persons_per_room"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mask, missing := p.Deprivations(Facts{Indicators: tc.facts})
			if got, want := mask, tc.wantMask; got != want {
				t.Errorf("mask: got %03b, want %03b", got, want)
			}
			if got, want := missing, tc.wantMissing; !slices.Equal(got, want) {
				t.Errorf("missing: got %v, want %v", got, want)
			}
		})
	}
}

func TestScoreGlobalMPI(t *testing.T) {
	p := lookup(t, "global-mpi")
	bit := func(ids ...string) uint32 {
		var m uint32
		for _, id := range ids {
			j, ok := p.IndicatorIndex(id)
			if !ok {
				t.Fatalf("IndicatorIndex(%q): not found", id)
			}
			m |= 1 << j
		}
		return m
	}
	living := []string{"cooking_fuel", "sanitation", "drinking_water", "electricity", "housing", "assets"}
	for _, tc := range []struct {
		name     string
		mask     uint32
		wantPoor bool
	}{
		{"TwoSixths", bit("nutrition", "school_attendance"), true},
		{"SixEighteenths", bit(living...), true},
		{"FiveEighteenths", bit(living[:5]...), false},
		{"OneSixthTwoEighteenths", bit("child_mortality", "housing", "assets"), false},
		{"OneSixthThreeEighteenths", bit("child_mortality", "housing", "assets", "electricity"), true},
		{"None", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := p.MultidimensionallyPoor(tc.mask), tc.wantPoor; got != want {
				t.Errorf("poor at score %v: got %v, want %v", p.Score(tc.mask), got, want)
			}
		})
	}
}

func TestPoorVN2022(t *testing.T) {
	p := lookup(t, "vn-2022")
	facts := func(income int64, deprived int) Facts {
		f := Facts{IncomePerPerson: income, Indicators: map[string]float64{}}
		for j, ind := range p.Indicators {
			switch ind.Kind {
			case KindBool:
				f.Indicators[ind.ID] = 1
				if j < deprived {
					f.Indicators[ind.ID] = 0
				}
			case KindMin:
				f.Indicators[ind.ID] = ind.Cutoff
			case KindMax:
				f.Indicators[ind.ID] = ind.Cutoff
				if j < deprived {
					f.Indicators[ind.ID] = ind.Cutoff + 0.1
				}
			}
		}
		return f
	}
	for _, tc := range []struct {
		name     string
		income   int64
		deprived int
		want     bool
	}{
		{"AtLineThreeDeprivations", 18_000_000, 3, true},
		{"AtLineTwoDeprivations", 18_000_000, 2, false},
		{"AboveLineThreeDeprivations", 18_000_001, 3, false},
		{"BelowLineAllDeprivations", 1, 12, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := p.Poor(facts(tc.income, tc.deprived)), tc.want; got != want {
				t.Errorf("Poor: got %v, want %v", got, want)
			}
		})
	}
}

func TestAssessExit(t *testing.T) {
	p := lookup(t, "cn-2020")
	for _, tc := range []struct {
		name         string
		facts        Facts
		wantEligible bool
		wantUnmet    map[string]string // criterion ID → text its reason contains
	}{
		{"AboveLineAllMet", cnFacts(t, 400001), true, nil},
		{"AtLineNotAbove", cnFacts(t, 400000), false, map[string]string{"income": "4,000.00 at the line 4,000.00, not above"}},
		{"BelowLine", cnFacts(t, 385000), false, map[string]string{"income": "income per person 3,850.00 below the line 4,000.00"}},
		{"HousingUnmet", func() Facts { f := cnFacts(t, 500000); f.Indicators["safe_housing"] = 0; return f }(), false,
			map[string]string{"safe_housing": "safe_housing: not met"}},
		{"WaterMissing", func() Facts { f := cnFacts(t, 500000); delete(f.Indicators, "safe_drinking_water"); return f }(), false,
			map[string]string{"safe_drinking_water": "no fact recorded"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := p.AssessExit(tc.facts)
			if got, want := a.Eligible, tc.wantEligible; got != want {
				t.Errorf("Eligible: got %v, want %v", got, want)
			}
			if got, want := len(a.Criteria), 7; got != want {
				t.Fatalf("criteria: got %d, want %d (income and six indicators)", got, want)
			}
			for _, c := range a.Criteria {
				wantReason, unmet := tc.wantUnmet[c.ID]
				if got, want := c.Met, !unmet; got != want {
					t.Errorf("%s Met: got %v, want %v (%s)", c.ID, got, want, c.Reason)
				}
				if c.Reason == "" || (unmet && !strings.Contains(c.Reason, wantReason)) {
					t.Errorf("%s Reason: got %q, want it to contain %q", c.ID, c.Reason, wantReason)
				}
			}
		})
	}
}

func TestAssessExitScore(t *testing.T) {
	p := lookup(t, "global-mpi")
	met := map[string]float64{}
	for _, ind := range p.Indicators {
		met[ind.ID] = 1
	}
	met["years_of_schooling"] = 9
	with := func(changes map[string]float64, drop string) Facts {
		f := Facts{Indicators: map[string]float64{}}
		for k, v := range met {
			f.Indicators[k] = v
		}
		for k, v := range changes {
			f.Indicators[k] = v
		}
		delete(f.Indicators, drop)
		return f
	}
	for _, tc := range []struct {
		name       string
		facts      Facts
		want       bool
		wantReason string
	}{
		{"NoDeprivation", with(nil, ""), true, "within the maximum"},
		{"FiveEighteenths", with(map[string]float64{"cooking_fuel": 0, "sanitation": 0, "drinking_water": 0, "electricity": 0, "housing": 0}, ""), true, "within"},
		{"OneThird", with(map[string]float64{"years_of_schooling": 5, "nutrition": 0}, ""), false, "above the maximum"},
		{"MissingFact", with(nil, "assets"), false, "no fact recorded for [assets]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := p.AssessExit(tc.facts)
			if got, want := a.Eligible, tc.want; got != want {
				t.Errorf("Eligible: got %v, want %v (%+v)", got, want, a.Criteria)
			}
			if got, want := a.Criteria[0].Reason, tc.wantReason; !strings.Contains(got, want) {
				t.Errorf("Reason: got %q, want it to contain %q", got, want)
			}
		})
	}
}

func TestMonitoringReasons(t *testing.T) {
	p := lookup(t, "cn-2020") // line 4,000.00; factor 1.5; fall 30%; shocks above income
	for _, tc := range []struct {
		name  string
		facts Facts
		want  []string
	}{
		{"LowIncome", Facts{IncomePerPerson: 599999, Persons: 1}, []string{ReasonLowIncome}},
		{"LowIncomeNotAtThreshold", Facts{IncomePerPerson: 600000, Persons: 1}, nil},
		{"IncomeFall", Facts{IncomePerPerson: 700000, LastYearIncomePerPerson: 1000000, Persons: 1}, []string{ReasonIncomeFall}},
		{"IncomeFallTooSmall", Facts{IncomePerPerson: 700001, LastYearIncomePerPerson: 1000000, Persons: 1}, nil},
		{"IncomeFallLastYearUnknown", Facts{IncomePerPerson: 700000, Persons: 1}, nil},
		{"ShockCosts", Facts{IncomePerPerson: 1000000, LastYearIncomePerPerson: 1000000, Persons: 3, ShockCosts: 3000001}, []string{ReasonShockCosts}},
		{"ShockCostsEqualIncome", Facts{IncomePerPerson: 1000000, LastYearIncomePerPerson: 1000000, Persons: 3, ShockCosts: 3000000}, nil},
		{"ShockCostsThisYearStandsIn", Facts{IncomePerPerson: 1000000, Persons: 2, ShockCosts: 2500000}, []string{ReasonShockCosts}},
		{"All", Facts{IncomePerPerson: 300000, LastYearIncomePerPerson: 500000, Persons: 4, ShockCosts: 2500000},
			[]string{ReasonLowIncome, ReasonIncomeFall, ReasonShockCosts}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range p.MonitoringReasons(tc.facts) {
				got = append(got, r.Code)
				if r.Message == "" {
					t.Errorf("%s: empty message", r.Code)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("codes: got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMonitoringMessages(t *testing.T) {
	p := lookup(t, "cn-2020")
	rs := p.MonitoringReasons(Facts{IncomePerPerson: 385000, LastYearIncomePerPerson: 600000, Persons: 3, ShockCosts: 2000000})
	want := []string{
		"income per person 3,850.00 below 1.5 × the line (6,000.00)",
		"income per person fell 36% from 6,000.00 to 3,850.00 (trigger 30%)",
		"medical, disaster and other rigid costs 20,000.00 above last year's household income 18,000.00",
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Message)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFormatMinor(t *testing.T) {
	for _, tc := range []struct {
		name     string
		minor    int64
		decimals int
		want     string
	}{
		{"Yuan", 385000, 2, "3,850.00"},
		{"Fen", 5, 2, "0.05"},
		{"Million", 123456789, 2, "1,234,567.89"},
		{"Negative", -100050, 2, "-1,000.50"},
		{"Dong", 18000000, 0, "18,000,000"},
		{"Zero", 0, 2, "0.00"},
		{"MinInt64", -9223372036854775808, 2, "-92,233,720,368,547,758.08"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatMinor(tc.minor, tc.decimals); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
