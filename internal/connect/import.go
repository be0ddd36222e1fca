package connect

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
)

// File formats of an import.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// The columns of the import files, in the order an export writes them.
var (
	ReportColumns = []string{"village", "on", "fibre", "fibre_since", "provider", "bandwidth_mbps", "4g", "5g", "public_wifi"}
	SchoolColumns = []string{"code", "name", "region", "level", "students", "teachers", "connection", "bandwidth_mbps", "devices", "since"}
)

// MaxImportRows bounds one import file.
const MaxImportRows = 200_000

// RowError is one bad row of an import file.
type RowError = tide.RowError

// ImportError carries every bad row of a refused import.
type ImportError = tide.ImportError

// table is an import file read whole: its header's positions and its rows.
type table struct {
	pos  map[string]int
	rows [][]string
	bad  []RowError
}

// readTable reads a CSV or XLSX file whose first row names the columns,
// each of which must be one of columns, and all of required present.
func readTable(r io.Reader, format string, columns []string) (*table, error) {
	var recs [][]string
	switch format {
	case FormatXLSX:
		f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: 256 << 20})
		if err != nil {
			return nil, &ImportError{Rows: []RowError{{Line: 1, Column: "file", Message: "not a readable XLSX workbook"}}}
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, &ImportError{Rows: []RowError{{Line: 1, Column: "file", Message: "the workbook has no sheet"}}}
		}
		// Raw values: a date cell comes as its serial number, which
		// row.date reads, rather than in whatever format the cell shows.
		if recs, err = f.GetRows(sheets[0], excelize.Options{RawCellValue: true}); err != nil {
			return nil, &ImportError{Rows: []RowError{{Line: 1, Column: "file", Message: "unreadable sheet"}}}
		}
	case FormatCSV, "":
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ImportError{Rows: []RowError{{Line: pe.Line, Column: "row", Message: "malformed CSV: " + pe.Err.Error()}}}
			} else if err != nil {
				return nil, fmt.Errorf("read import file: %w", err)
			}
			recs = append(recs, rec)
		}
	default:
		return nil, tide.Invalid("format", "format must be csv or xlsx")
	}
	if len(recs) == 0 {
		return nil, &ImportError{Rows: []RowError{{Line: 1, Column: "row", Message: "the file is empty; the first row names the columns"}}}
	}
	if len(recs) > MaxImportRows+1 {
		return nil, &ImportError{Rows: []RowError{{Line: MaxImportRows + 2, Column: "row", Message: fmt.Sprintf("at most %d rows per file", MaxImportRows)}}}
	}
	t := &table{pos: map[string]int{}}
	for i, raw := range recs[0] {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff")))
		switch {
		case name == "" && i == len(recs[0])-1:
		case !slices.Contains(columns, name):
			t.bad = append(t.bad, RowError{Line: 1, Column: name, Message: "unknown column; the columns are " + strings.Join(columns, ", ")})
		case t.has(name):
			t.bad = append(t.bad, RowError{Line: 1, Column: name, Message: "the column appears twice"})
		default:
			t.pos[name] = i
		}
	}
	t.rows = recs[1:]
	return t, nil
}

func (t *table) has(col string) bool { _, ok := t.pos[col]; return ok }

func (t *table) require(cols ...string) {
	for _, c := range cols {
		if !t.has(c) {
			t.bad = append(t.bad, RowError{Line: 1, Column: c, Message: "the column is required"})
		}
	}
}

// row reads the cells of one row, recording what is wrong with them.
type row struct {
	t    *table
	line int
	rec  []string
}

func (r row) get(col string) string {
	i, ok := r.t.pos[col]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

func (r row) fail(col, format string, args ...any) {
	r.t.bad = append(r.t.bad, RowError{Line: r.line, Column: col, Message: fmt.Sprintf(format, args...)})
}

func (r row) boolean(col string) bool {
	switch strings.ToLower(r.get(col)) {
	case "yes", "y", "true", "1", "是":
		return true
	case "no", "n", "false", "0", "否", "":
		return false
	}
	r.fail(col, "%q is not yes or no", r.get(col))
	return false
}

// date reads a date as YYYY-MM-DD, or as a spreadsheet's serial number of
// a day, which is how a workbook's date cells are stored.
func (r row) date(col string) string {
	v := r.get(col)
	if serial, err := strconv.ParseFloat(v, 64); err == nil && serial >= 1 && serial < 2958466 {
		if t, err := excelize.ExcelDateToTime(serial, false); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	return v
}

func (r row) number(col string) int {
	v := r.get(col)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail(col, "%q is not a whole number", v)
	}
	return n
}

// check records a validation error against the column it names.
func (r row) check(err error) {
	if err == nil {
		return
	}
	col := tide.ErrorField(err)
	if col == "" {
		col = "row"
	}
	r.fail(col, "%s", tide.ErrorMessage(err))
}

func (t *table) each(fn func(r row)) {
	for i, rec := range t.rows {
		if blank(rec) {
			continue
		}
		fn(row{t: t, line: i + 2, rec: rec})
	}
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// ImportReports reads a file of village reports and stores them all, or
// none with every bad row named by line and column.
func (s *Service) ImportReports(ctx context.Context, r io.Reader, format string) (int, error) {
	a, err := actorWith(ctx, "import connection reports", reporters...)
	if err != nil {
		return 0, err
	}
	t, err := readTable(r, format, ReportColumns)
	if err != nil {
		return 0, err
	}
	t.require("village", "on")
	var rs []*Report
	known := map[string]string{} // village code → level, "" when missing
	t.each(func(w row) {
		rep := &Report{Village: w.get("village"), On: w.date("on"), Fibre: w.boolean("fibre"), FibreSince: w.date("fibre_since"),
			Provider: w.get("provider"), Bandwidth: w.number("bandwidth_mbps"), FourG: w.boolean("4g"), FiveG: w.boolean("5g"), WiFi: w.boolean("public_wifi")}
		w.check(rep.Validate())
		if rep.Village == "" {
			return
		}
		if !a.Sees(rep.Village) {
			w.fail("village", "village %s is not in your area", rep.Village)
			return
		}
		level, seen := known[rep.Village]
		if !seen {
			if reg, err := s.store.FindRegion(ctx, rep.Village); err == nil {
				level = string(reg.Level)
			}
			known[rep.Village] = level
		}
		switch level {
		case "":
			w.fail("village", "region %s does not exist", rep.Village)
		case string(region.Village):
		default:
			w.fail("village", "region %s is a %s, not a village", rep.Village, level)
		}
		rs = append(rs, rep)
	})
	if len(t.bad) > 0 {
		return 0, &ImportError{Rows: t.bad}
	}
	if len(rs) == 0 {
		return 0, &ImportError{Rows: []RowError{{Line: 2, Column: "row", Message: "the file has no reports"}}}
	}
	return len(rs), s.Report(ctx, rs)
}

// ImportSchools reads a file of schools and creates or updates them all, or
// none with every bad row named by line and column.
func (s *Service) ImportSchools(ctx context.Context, r io.Reader, format string) (int, error) {
	a, err := actorWith(ctx, "import schools", officials...)
	if err != nil {
		return 0, err
	}
	t, err := readTable(r, format, SchoolColumns)
	if err != nil {
		return 0, err
	}
	t.require("code", "name", "region", "level")
	var ss []*School
	exists := map[string]bool{}
	codes := map[string]int{}
	t.each(func(w row) {
		sc := &School{Code: w.get("code"), Name: w.get("name"), Region: w.get("region"), Level: Level(w.get("level")),
			Students: w.number("students"), Teachers: w.number("teachers"), Connection: Link(strings.ToLower(w.get("connection"))),
			Bandwidth: w.number("bandwidth_mbps"), Devices: w.number("devices"), Since: w.date("since")}
		w.check(sc.Validate())
		if prev, dup := codes[sc.Code]; dup && sc.Code != "" {
			w.fail("code", "school %s is also on line %d", sc.Code, prev)
		}
		codes[sc.Code] = w.line
		if sc.Region == "" {
			return
		}
		if !a.Sees(sc.Region) {
			w.fail("region", "region %s is not in your area", sc.Region)
			return
		}
		ok, seen := exists[sc.Region]
		if !seen {
			_, err := s.store.FindRegion(ctx, sc.Region)
			ok = err == nil
			exists[sc.Region] = ok
		}
		if !ok {
			w.fail("region", "region %s does not exist", sc.Region)
		}
		ss = append(ss, sc)
	})
	if len(t.bad) > 0 {
		return 0, &ImportError{Rows: t.bad}
	}
	if len(ss) == 0 {
		return 0, &ImportError{Rows: []RowError{{Line: 2, Column: "row", Message: "the file has no schools"}}}
	}
	return len(ss), s.SaveSchools(ctx, ss)
}
