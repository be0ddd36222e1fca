package registry

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// ExportShape is what an export must know before its first row: the
// indicator names in use, and how many households and persons there are.
type ExportShape struct {
	Indicators []string
	Households int
	Persons    int
}

// ExportOptions select an export.
type ExportOptions struct {
	Format string // csv or xlsx
	// Region is a region code; empty means the caller's whole area.
	Region string
	// Progress, when set, is told how many households are written out of all.
	Progress func(done, total int)
}

// ExportSummary says what an export wrote.
type ExportSummary struct {
	Region     string `json:"region"`
	Households int    `json:"households"`
	Persons    int    `json:"persons"`
	// MaskedIDs is set when ID numbers and phones were masked for the role.
	MaskedIDs bool `json:"masked_ids"`
}

// Export writes the households under a region to w in the import format, one
// row per member, so an export can be imported again. Scope decides what is
// written: a region outside the caller's area is not found, and ID numbers and
// phones are masked unless the role may see them. Everything that can refuse
// the export is checked before the first byte is written, and the export is
// audited (who, what region, how many, masked or not) before it starts.
func (s *Service) Export(ctx context.Context, w io.Writer, opts ExportOptions) (ExportSummary, error) {
	var sum ExportSummary
	a, err := actorWith(ctx, readers, "export households")
	if err != nil {
		return sum, err
	}
	if err := CheckFormat(opts.Format); err != nil {
		return sum, err
	}
	ts, err := s.transferStore()
	if err != nil {
		return sum, err
	}
	region := opts.Region
	if region == "" {
		region = a.Scope
	}
	if !a.Sees(region) {
		return sum, tide.NotFound("region")
	}
	if region != "" {
		if _, err := s.store.RegionLevel(ctx, region); err != nil {
			return sum, err
		}
	}
	shape, err := ts.HouseholdShape(ctx, region)
	if err != nil {
		return sum, err
	}
	if opts.Format == FormatXLSX && shape.Persons+1 > MaxXLSXRows {
		return sum, tide.Invalid("format", "%d members are more rows than a worksheet holds (%d); export as CSV", shape.Persons, MaxXLSXRows-1)
	}
	sum = ExportSummary{Region: region, Households: shape.Households, Persons: shape.Persons, MaskedIDs: !MayViewIDs(a)}
	ids := "full"
	if sum.MaskedIDs {
		ids = "masked"
	}
	if err := ts.Audit(ctx, audit.Change{Actor: a.Name, Action: "export", Entity: "household", EntityID: region,
		After: map[string]any{"region": region, "format": opts.Format, "households": shape.Households,
			"persons": shape.Persons, "id_numbers": ids}}); err != nil {
		return sum, err
	}
	indicators := slices.Sorted(slices.Values(shape.Indicators))
	var out rowWriter
	if opts.Format == FormatXLSX {
		out, err = newXLSXWriter(w)
	} else {
		out, err = newCSVWriter(w)
	}
	if err != nil {
		return sum, err
	}
	if err := out.write(stringsToAny(FileColumns(indicators))); err != nil {
		return sum, err
	}
	done := 0
	err = ts.EachHouseholdIn(ctx, region, func(h *Household) error {
		if !a.Sees(h.Village) { // the store's range is the scope; this is a second lock
			return nil
		}
		if err := s.reveal(a, h); err != nil {
			return err
		}
		for _, rec := range exportRows(h, indicators) {
			if err := out.write(rec); err != nil {
				return err
			}
		}
		if done++; opts.Progress != nil && done%1000 == 0 {
			opts.Progress(done, shape.Households)
		}
		return nil
	})
	if err != nil {
		return sum, fmt.Errorf("export households: %w", err)
	}
	if opts.Progress != nil {
		opts.Progress(done, shape.Households)
	}
	return sum, out.close()
}

// exportRows returns a household's rows, one per member, in the column order
// of FileColumns(indicators).
func exportRows(h *Household, indicators []string) [][]any {
	head := []any{h.Ref, h.Village, h.IncomePerPerson, h.LastYearIncome, h.ShockCosts, h.Cadre.Name, h.Cadre.Phone}
	for _, id := range indicators {
		if v, ok := h.Indicators[id]; ok {
			head = append(head, v)
		} else {
			head = append(head, "")
		}
	}
	rows := make([][]any, len(h.Members))
	for i, m := range h.Members {
		insured := 0
		if m.MedicalInsurance {
			insured = 1
		}
		rows[i] = append(slices.Clip(head), m.Name, m.Sex, m.Birth, m.Relation, m.IDNumber, m.Phone,
			m.Disability, m.Health, m.Schooling, insured)
	}
	return rows
}

// Template writes an import template: the header with the exit policy's
// indicators and one example household of two members in village (a
// placeholder code when empty).
func (s *Service) Template(ctx context.Context, w io.Writer, format string) error {
	a, err := actorWith(ctx, writers, "import households")
	if err != nil {
		return err
	}
	if err := CheckFormat(format); err != nil {
		return err
	}
	village := "520102001001"
	if ts, err := s.transferStore(); err == nil {
		if codes, err := ts.VillageCodes(ctx, a.Scope, 1); err == nil && len(codes) == 1 {
			village = codes[0]
		}
	}
	var indicators []string
	if p, ok := s.policies.Lookup(s.ExitPolicy); ok {
		for _, ind := range p.Indicators {
			indicators = append(indicators, ind.ID)
		}
	}
	var out rowWriter
	if format == FormatXLSX {
		out, err = newXLSXWriter(w)
	} else {
		out, err = newCSVWriter(w)
	}
	if err != nil {
		return err
	}
	if err := out.write(stringsToAny(FileColumns(indicators))); err != nil {
		return err
	}
	ex := Household{Ref: "h1", Village: village, IncomePerPerson: 380000, LastYearIncome: 350000, ShockCosts: 0,
		Cadre: Cadre{Name: "王芳", Phone: "13800000000"}, Indicators: map[string]float64{},
		Members: []Member{
			{Name: "李明", Sex: "m", Birth: "1975-03-02", Relation: "head", IDNumber: exampleID("52010219750302001"), Phone: "13900000001", Health: "healthy", Schooling: "primary", MedicalInsurance: true},
			{Name: "李小红", Sex: "f", Birth: "2012-09-15", Relation: "child", Schooling: "grade 6", Health: "healthy", MedicalInsurance: true},
		}}
	for _, id := range indicators {
		ex.Indicators[id] = 1 // every indicator met in the example
	}
	for _, rec := range exportRows(&ex, indicators) {
		if err := out.write(rec); err != nil {
			return err
		}
	}
	return out.close()
}

// exampleID completes 17 digits with their check character.
func exampleID(first17 string) string { return first17 + string(ChineseIDCheck(first17)) }

func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
