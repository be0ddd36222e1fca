package measure

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

// TestWorkedExamples checks hand-computed measures, through both the index
// and Naive. Every household of one region "1".
func TestWorkedExamples(t *testing.T) {
	person := func(income int64, deprived uint32) Household {
		return Household{Region: "1", Persons: 1, Income: income, Deprived: deprived}
	}
	quarter := []float64{0.25, 0.25, 0.25, 0.25}
	tests := []struct {
		name   string
		rows   []Household
		params Params
		want   Result
	}{
		{
			// Incomes 1, 2, 3, 4 and line 3: the persons at 1 and 2 are poor, the
			// one at 3 is not (strictly below the line). Gaps 2/3 and 1/3:
			// P0 = 2/4, P1 = (2/3 + 1/3)/4 = 1/4, P2 = (4/9 + 1/9)/4 = 5/36.
			name:   "FGTFourPersons",
			rows:   []Household{person(1, 0), person(2, 0), person(3, 0), person(4, 0)},
			params: Params{Line: 3},
			want:   Result{Persons: 4, Households: 4, PoorPersons: 2, P0: 0.5, P1: 0.25, P2: 5.0 / 36},
		},
		{
			name:   "AtTheLineIsNotPoor",
			rows:   []Household{person(400000, 0)},
			params: Params{Line: 400000},
			want:   Result{Persons: 1, Households: 1},
		},
		{
			// Persons-weighted: 3 persons at 100 and 1 at 300, line 200. Gap 1/2
			// for 3 of 4 persons: P0 = 3/4, P1 = 3 × 0.5/4 = 0.375,
			// P2 = 3 × 0.25/4 = 0.1875.
			name: "FGTPersonsWeighted",
			rows: []Household{
				{Region: "1", Persons: 3, Income: 100},
				{Region: "1", Persons: 1, Income: 300},
			},
			params: Params{Line: 200},
			want:   Result{Persons: 4, Households: 2, PoorPersons: 3, P0: 0.75, P1: 0.375, P2: 0.1875},
		},
		{
			// Alkire & Foster (2011) style: 4 persons, 4 indicators of weight 1/4,
			// deprivation rows 0000, 1101, 1111, 0100, so scores 0, 3/4, 1, 1/4.
			// At k = 2/4 the 2nd and 3rd are poor: H = 2/4 = 1/2,
			// A = (3/4 + 4/4)/2 = 7/8, M0 = H × A = 7/16 = 0.4375.
			// All incomes are above the line.
			name: "AlkireFosterFourByFour",
			rows: []Household{
				person(10, 0b0000), person(10, 0b1011), person(10, 0b1111), person(10, 0b0010),
			},
			params: Params{Line: 5, Weights: quarter, K: 0.5},
			want: Result{Persons: 4, Households: 4, MPIPoorPersons: 2,
				MPI: MPI{H: 0.5, A: 0.875, M0: 0.4375}},
		},
		{
			// Six living-standard deprivations of 1/18 each make 6/18 = 1/3, which
			// meets k = 1/3 although the float sum falls short by a rounding.
			name: "SixEighteenthsMeetAThird",
			rows: []Household{
				person(SyntheticLine, 0b11_1111_0000), person(SyntheticLine, 0b01_1111_0000),
			},
			params: SyntheticParams(),
			want: Result{Persons: 2, Households: 2, MPIPoorPersons: 1,
				MPI: MPI{H: 0.5, A: 1.0 / 3, M0: 1.0 / 6}},
		},
		{
			name: "AboveTheLineAndDeprivedInNothing",
			rows: []Household{
				{Region: "1", Persons: 5, Income: SyntheticLine + 1},
			},
			params: SyntheticParams(),
			want:   Result{Persons: 5, Households: 1},
		},
		{
			name:   "EmptyRegion",
			params: SyntheticParams(),
			want:   Result{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.rows {
				tt.rows[i].ID = uint64(i + 1)
			}
			ix, err := Build([]Region{{Code: "1"}}, tt.rows)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			got, err := ix.Measure("1", tt.params)
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			want := tt.want
			want.Region = "1"
			assertSame(t, "index", got, want)
			assertSame(t, "Naive", Naive(tt.rows, tt.params), tt.want)
		})
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		ok     bool
	}{
		{"IncomeOnly", Params{Line: 1}, true},
		{"GlobalMPI", SyntheticParams(), true},
		{"ZeroLine", Params{Line: 0}, false},
		{"NegativeLine", Params{Line: -5}, false},
		{"WeightsNotSummingToOne", Params{Line: 1, Weights: []float64{0.5, 0.4}, K: 0.3}, false},
		{"NegativeWeight", Params{Line: 1, Weights: []float64{1.5, -0.5}, K: 0.3}, false},
		{"NaNWeight", Params{Line: 1, Weights: []float64{math.NaN(), 1}, K: 0.3}, false},
		{"ZeroK", Params{Line: 1, Weights: []float64{1}, K: 0}, false},
		{"KAboveOne", Params{Line: 1, Weights: []float64{1}, K: 1.5}, false},
		{"ThirtyThreeWeights", Params{Line: 1, Weights: make([]float64, 33), K: 0.5}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.params.Validate()
			if got := err == nil; got != tt.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidParams) {
				t.Fatalf("Validate() = %v, want ErrInvalidParams", err)
			}
		})
	}
}

// TestResultJSON pins the JSON field names the API and pages rely on.
func TestResultJSON(t *testing.T) {
	r := Result{Region: "52", Persons: 4, Households: 2, P0: 0.5, PoorPersons: 2, MPIPoorPersons: 1,
		MPI: MPI{H: 0.25, A: 0.5, M0: 0.125}, Children: []Result{{Region: "5201"}}}
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	want := `{"region":"52","persons":4,"households":2,"p0":0.5,"p1":0,"p2":0,` +
		`"mpi":{"h":0.25,"a":0.5,"m0":0.125},"poor_persons":2,"mpi_poor_persons":1,` +
		`"children":[{"region":"5201","persons":0,"households":0,"p0":0,"p1":0,"p2":0,` +
		`"mpi":{"h":0,"a":0,"m0":0},"poor_persons":0,"mpi_poor_persons":0}]}`
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
