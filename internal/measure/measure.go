// Package measure answers poverty measures for any region of an administrative
// tree from a columnar, in-memory index of households.
//
// The index keeps one short run of parallel columns (income, persons,
// deprivation bits, id) per region, usually a village, and walks the tree in
// preorder so that a region's subtree is a contiguous range of those runs.
// Measures are persons-weighted: every member of a household shares its income
// per person and its deprivations. The package knows no policy: the caller
// turns a policy into Params (a line, indicator weights and a cut-off).
//
// Foster–Greer–Thorbecke: P_a = (1/N) Σ_{y_i < z} ((z − y_i)/z)^a, strictly
// below the line. Alkire–Foster: c_i = Σ_j w_j d_ij, poor when c_i ≥ k,
// H = q/N, A = mean c_i over the poor, M0 = H × A.
package measure

import (
	"errors"
	"fmt"
	"math"
)

// Errors that callers test with errors.Is; every returned error wraps one.
var (
	// ErrUnknownRegion means a region code is not in the index's tree.
	ErrUnknownRegion = errors.New("unknown region")
	// ErrInvalidRegion means a region in the tree input is malformed.
	ErrInvalidRegion = errors.New("invalid region")
	// ErrInvalidHousehold means a household row cannot be indexed.
	ErrInvalidHousehold = errors.New("invalid household")
	// ErrInvalidParams means query parameters cannot give meaningful measures.
	ErrInvalidParams = errors.New("invalid measure parameters")
)

// maxAbsIncome bounds incomes and lines so that differences never overflow
// and convert to float64 exactly (2^53 minor units is far beyond any income).
const maxAbsIncome = 1 << 53

// scoreEpsilon lets a deprivation score equal to the cut-off count as poor
// despite rounding, so that a score of 2/6 meets k = 1/3.
const scoreEpsilon = 1e-9

// Region is one node of the administrative tree. Parent is "" for a top-level
// region (a province); otherwise Code starts with Parent.
type Region struct {
	Code   string `json:"code"`
	Parent string `json:"parent"`
}

// Household is one row of the index. All Persons members share its income per
// person and its deprivations, so a row counts Persons times in every measure.
type Household struct {
	ID       uint64 `json:"id"`       // internal key, stable across updates
	Region   string `json:"region"`   // the region holding the row, usually a village
	Persons  int32  `json:"persons"`  // members; weight of the row
	Income   int64  `json:"income"`   // annual net income per person, minor units
	Deprived uint32 `json:"deprived"` // bit j set = deprived in indicator j
}

func (h Household) validate() error {
	switch {
	case h.Region == "":
		return fmt.Errorf("household %d: region is empty: %w", h.ID, ErrInvalidHousehold)
	case h.Persons < 0:
		return fmt.Errorf("household %d: persons %d is negative: %w", h.ID, h.Persons, ErrInvalidHousehold)
	case h.Income > maxAbsIncome || h.Income < -maxAbsIncome:
		return fmt.Errorf("household %d: income %d out of range: %w", h.ID, h.Income, ErrInvalidHousehold)
	}
	return nil
}

// Params are one query's poverty line and Alkire–Foster weights and cut-off.
// Weights[j] is the weight of deprivation bit j; bits beyond len(Weights) are
// ignored. With no weights every MPI measure is zero.
type Params struct {
	Line    int64     `json:"line"`    // poverty line, minor units; poor when income < Line
	Weights []float64 `json:"weights"` // weight of each indicator, summing to 1
	K       float64   `json:"k"`       // poverty cut-off: poor when score ≥ K
}

// Validate reports whether the parameters give meaningful measures: a positive
// line, at most 32 non-negative weights summing to 1, and 0 < K ≤ 1.
func (p Params) Validate() error {
	if p.Line <= 0 || p.Line > maxAbsIncome {
		return fmt.Errorf("line %d must be positive: %w", p.Line, ErrInvalidParams)
	}
	if len(p.Weights) == 0 {
		return nil
	}
	if len(p.Weights) > 32 {
		return fmt.Errorf("%d weights, at most 32: %w", len(p.Weights), ErrInvalidParams)
	}
	sum := 0.0
	for j, w := range p.Weights {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("weight %d is %v: %w", j, w, ErrInvalidParams)
		}
		sum += w
	}
	if math.Abs(sum-1) > 1e-6 {
		return fmt.Errorf("weights sum to %v, not 1: %w", sum, ErrInvalidParams)
	}
	if !(p.K > 0 && p.K <= 1+scoreEpsilon) {
		return fmt.Errorf("cut-off k %v must be in (0, 1]: %w", p.K, ErrInvalidParams)
	}
	return nil
}

// MPI holds the Alkire–Foster measures of a region.
type MPI struct {
	H  float64 `json:"h"`  // headcount ratio: share of persons poor
	A  float64 `json:"a"`  // intensity: mean score of the poor, 0 when none
	M0 float64 `json:"m0"` // adjusted headcount ratio, H × A
}

// Result is the measures of one region. Children holds one Result per direct
// child region, in code order, each without its own children.
type Result struct {
	Region         string   `json:"region"`
	Persons        int64    `json:"persons"`
	Households     int64    `json:"households"`
	P0             float64  `json:"p0"`
	P1             float64  `json:"p1"`
	P2             float64  `json:"p2"`
	MPI            MPI      `json:"mpi"`
	PoorPersons    int64    `json:"poor_persons"`
	MPIPoorPersons int64    `json:"mpi_poor_persons"`
	Children       []Result `json:"children,omitempty"`
}
