package registry

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// RowError is one bad row of an import file.
type RowError = tide.RowError

// ImportError carries every bad row of a refused import.
type ImportError = tide.ImportError

// ImportOptions tune an import.
type ImportOptions struct {
	// GoodRowsOnly writes the households none of whose rows is bad and reports
	// the others; by default one bad row refuses the whole file.
	GoodRowsOnly bool
	// Progress, when set, is told how far the import has got: rows read so far
	// while reading (total 0: not known yet), then households written out of
	// all to write.
	Progress func(done, total int)
	// Stage, when set, is told as each stage begins: StageRead, StageCheck,
	// StageWrite.
	Stage func(stage string)
	// Source names the file in the audit log.
	Source string
}

// The stages of an import.
const (
	StageRead  = "read"
	StageCheck = "check"
	StageWrite = "write"
)

// ImportReport is the outcome of an import. Households and Persons count the
// good households: written when Written is set.
type ImportReport struct {
	Households int        `json:"households"`
	Persons    int        `json:"persons"`
	Rows       []RowError `json:"rows"`
	Written    bool       `json:"written"`
	SHA256     string     `json:"sha256"`
}

// TransferStore is what imports and exports need of the store beyond Store:
// villages in one query, bulk writes and paged reads by region.
type TransferStore interface {
	VillageCodes(ctx context.Context, prefix string, limit int) ([]string, error)
	ImportHouseholds(ctx context.Context, hs []*Household, changes []audit.Change, progress func(written int)) error
	HouseholdShape(ctx context.Context, prefix string) (ExportShape, error)
	EachHouseholdIn(ctx context.Context, prefix string, fn func(*Household) error) error
	Audit(ctx context.Context, c audit.Change) error
	// FindRegistered is FindDuplicates for many values at once.
	FindRegistered(ctx context.Context, idHashes, phones []string) ([]Duplicate, error)
}

func (s *Service) transferStore() (TransferStore, error) {
	ts, ok := s.store.(TransferStore)
	if !ok {
		return nil, errors.New("registry: the store cannot import or export households")
	}
	return ts, nil
}

// auditBatch is how many households one audit entry of an import names.
const auditBatch = 10_000

// Import reads a household file (format csv or xlsx, one row per member) and
// registers its households in one transaction. Every bad row is reported
// with its line, column and reason: a field that fails the registry's rules,
// a village that does not exist or lies outside the caller's area, household
// columns that disagree between rows, an ID number or phone found in two
// households of the file or already registered. By default any bad row
// refuses the whole file and the error, an *ImportError, holds the rows;
// with GoodRowsOnly the good households are written and the report lists the
// bad rows. The import is audited as entries naming the file's SHA-256 and
// the refs written, rather than one entry per household.
func (s *Service) Import(ctx context.Context, r io.Reader, format string, opts ImportOptions) (ImportReport, error) {
	var rep ImportReport
	a, err := actorWith(ctx, writers, "import households")
	if err != nil {
		return rep, err
	}
	if err := CheckFormat(format); err != nil {
		return rep, err
	}
	ts, err := s.transferStore()
	if err != nil {
		return rep, err
	}
	stage := func(string) {}
	if opts.Stage != nil {
		stage = opts.Stage
	}
	if rep, done, err := s.tryImportStream(ctx, a, ts, r, format, opts, stage); done {
		return rep, err
	}
	stage(StageRead)
	sum := sha256.New()
	f, err := readHouseholdFile(ctx, io.TeeReader(r, sum), format, opts.Progress, s.checkMember(s.Now().UTC()))
	if err != nil {
		return rep, err
	}
	rep.SHA256 = hex.EncodeToString(sum.Sum(nil))
	if len(f.bad) == 0 && len(f.households) == 0 {
		f.bad = append(f.bad, RowError{Line: 2, Column: "household", Message: "the file has no rows"})
	}
	stage(StageCheck)
	if err := s.checkImport(ctx, a, ts, f); err != nil {
		return rep, err
	}
	rep.Rows = f.rows()
	var good []*Household
	for _, p := range f.households {
		if !p.bad {
			good = append(good, &p.h)
			rep.Households++
			rep.Persons += len(p.h.Members)
		}
		// What the checks needed is not needed to write.
		p.vals, p.valLines, p.lines, p.errs, p.checks = nil, nil, nil, nil, nil
	}
	switch {
	case len(rep.Rows) > 0 && !opts.GoodRowsOnly:
		return rep, &ImportError{Rows: rep.Rows}
	case f.orphans > 0:
		return rep, &ImportError{Rows: append(rep.Rows, RowError{Line: 1, Column: "household",
			Message: "some bad rows cannot be tied to a household, so no household is written; fix them and import again"})}
	case len(good) == 0:
		return rep, &ImportError{Rows: rep.Rows}
	}
	now := s.Now().UTC()
	for _, h := range good {
		h.Ref, h.Status, h.CreatedAt, h.UpdatedAt = NewRef(), Identified, now, now
	}
	refs, members := make([]string, len(good)), make([]int, len(good))
	for i, h := range good {
		refs[i], members[i] = h.Ref, len(h.Members)
	}
	changes := importChanges(a, refs, members, rep, opts, format, len(rep.Rows))
	stage(StageWrite)
	var progress func(int)
	if opts.Progress != nil {
		progress = func(n int) { opts.Progress(n, len(good)) }
	}
	if err := ts.ImportHouseholds(ctx, good, changes, progress); err != nil {
		return rep, fmt.Errorf("write households: %w", err)
	}
	rep.Written = true
	for _, h := range good {
		s.notify(h)
	}
	return rep, nil
}

// tryImportStream imports in one pass (see importStream) where it can: a
// store that writes households as they come, a file that can be read
// again from its start, every row required good, and no one to tell of each
// household written. done is false when the caller should import the
// two-pass way, r back at its start.
func (s *Service) tryImportStream(ctx context.Context, a *tide.Actor, ts TransferStore, r io.Reader, format string,
	opts ImportOptions, stage func(string)) (rep ImportReport, done bool, err error) {
	ss, ok := ts.(StreamStore)
	rs, seeks := r.(io.ReadSeeker)
	if !ok || !seeks || opts.GoodRowsOnly || s.watcher != nil {
		return rep, false, nil
	}
	size, err := rs.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = rs.Seek(0, io.SeekStart)
	}
	if err != nil {
		return rep, false, nil
	}
	rep, err = s.importStream(ctx, a, ss, ts, rs, size, format, opts, stage)
	if !errors.Is(err, ErrOnePass) && tide.ErrorCode(err) != tide.ECONFLICT {
		return rep, true, err
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return ImportReport{}, true, err
	}
	return ImportReport{}, false, nil
}

// importChanges describes an import for the audit log: one entry per
// auditBatch households naming the file, the counts and the refs, given
// with each household's number of members. Hashing a million entries of
// whole households would cost more than the import.
func importChanges(a *tide.Actor, refs []string, members []int, rep ImportReport, opts ImportOptions, format string, skipped int) []audit.Change {
	var out []audit.Change
	batches := (len(refs) + auditBatch - 1) / auditBatch
	for b := 0; b < batches; b++ {
		lo, hi := b*auditBatch, min((b+1)*auditBatch, len(refs))
		persons := 0
		for _, n := range members[lo:hi] {
			persons += n
		}
		out = append(out, audit.Change{Actor: a.Name, Action: "import", Entity: "household", EntityID: "sha256:" + rep.SHA256,
			After: map[string]any{"file": opts.Source, "format": format, "sha256": rep.SHA256, "good_rows_only": opts.GoodRowsOnly,
				"bad_rows": skipped, "total_households": rep.Households, "total_persons": rep.Persons,
				"batch": b + 1, "batches": batches, "households": hi - lo, "persons": persons, "refs": slices.Clone(refs[lo:hi])}})
	}
	return out
}

// pendingHousehold is a household gathered from the file's rows.
type pendingHousehold struct {
	key   string
	first int // the line of the household's first row
	h     Household
	lines []int // the line of each member's row
	// checks holds each member's row, checked while the file was read; the
	// household's Members are made from them.
	checks []memberRef
	// cols names the file's household columns; vals and valLines hold each
	// one's value and the line that gave it, so later rows are checked.
	cols     []string
	vals     []string
	valLines []int
	errs     []RowError
	bad      bool
}

func (p *pendingHousehold) fail(line int, column, format string, args ...any) {
	p.bad = true
	p.errs = append(p.errs, RowError{Line: line, Column: column, Message: fmt.Sprintf(format, args...)})
}

// householdFile is a file read into households.
type householdFile struct {
	households []*pendingHousehold // in the order of their first rows
	last       *pendingHousehold   // the household of the last row read
	bad        []RowError          // rows that belong to no household
	orphans    int                 // how many of bad could not be tied to a household
	rowCount   int
}

// rows returns every bad row, sorted by line.
func (f *householdFile) rows() []RowError {
	out := append([]RowError{}, f.bad...)
	for _, p := range f.households {
		out = append(out, p.errs...)
	}
	slices.SortStableFunc(out, func(a, b RowError) int { return cmp.Compare(a.Line, b.Line) })
	return out
}
