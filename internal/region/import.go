package region

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// RowError is one bad row of an import file.
type RowError = tide.RowError

// ImportError carries every bad row of a refused import.
type ImportError = tide.ImportError

// importColumns is the header an import file must start with.
var importColumns = []string{"code", "name", "level", "parent"}

// Import reads CSV rows `code,name,level,parent` (a header first) and creates
// them all in one transaction, or none when any row is bad. A parent may be an
// existing region or a row earlier in the file. progress, if not nil, is told
// how many rows have been read.
func (s *Service) Import(ctx context.Context, r io.Reader, progress func(rows int)) (int, error) {
	a, err := s.writer(ctx)
	if err != nil {
		return 0, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return 0, &ImportError{Rows: []RowError{{Line: 1, Column: "code", Message: "the file is empty"}}}
	} else if err != nil {
		return 0, &ImportError{Rows: []RowError{{Line: 1, Column: "code", Message: err.Error()}}}
	}
	for i, want := range importColumns {
		if i >= len(header) || strings.TrimSpace(strings.TrimPrefix(strings.ToLower(header[i]), "\ufeff")) != want {
			return 0, &ImportError{Rows: []RowError{{Line: 1, Column: want,
				Message: "the header must be " + strings.Join(importColumns, ",")}}}
		}
	}
	var bad []RowError
	pending := map[string]*Region{}
	var rows []*Region
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			bad = append(bad, RowError{Line: perr.Line, Column: "code", Message: perr.Err.Error()})
			continue
		} else if err != nil {
			return 0, err
		}
		if len(rec) != len(importColumns) {
			bad = append(bad, RowError{Line: line, Column: "code",
				Message: fmt.Sprintf("expected %d fields, found %d", len(importColumns), len(rec))})
			continue
		}
		reg := &Region{Code: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1]),
			Level: Level(strings.ToLower(strings.TrimSpace(rec[2]))), Parent: strings.TrimSpace(rec[3])}
		if err := s.check(ctx, a, reg, pending); err != nil {
			if tide.ErrorCode(err) != tide.EINVALID {
				return 0, err
			}
			bad = append(bad, RowError{Line: line, Column: tide.ErrorField(err), Message: tide.ErrorMessage(err)})
			continue
		}
		if _, err := s.store.FindRegion(ctx, reg.Code); err == nil {
			bad = append(bad, RowError{Line: line, Column: "code", Message: fmt.Sprintf("region %q already exists", reg.Code)})
			continue
		}
		if pending[reg.Code] != nil {
			bad = append(bad, RowError{Line: line, Column: "code", Message: fmt.Sprintf("code %q appears twice in the file", reg.Code)})
			continue
		}
		pending[reg.Code] = reg
		rows = append(rows, reg)
		if progress != nil && len(rows)%10000 == 0 {
			progress(len(rows))
		}
	}
	if len(bad) > 0 {
		return 0, &ImportError{Rows: bad}
	}
	if len(rows) == 0 {
		return 0, &ImportError{Rows: []RowError{{Line: 2, Column: "code", Message: "the file has no rows"}}}
	}
	changes := make([]audit.Change, len(rows))
	for i, reg := range rows {
		changes[i] = createChange(a, reg)
		changes[i].Action = "import"
	}
	if err := s.created(rows, s.store.CreateRegions(ctx, rows, changes)); err != nil {
		return 0, err
	}
	if progress != nil {
		progress(len(rows))
	}
	return len(rows), nil
}
