package registry

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tide-project/tide/internal/tide"
)

// The file formats of imports and exports.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// ContentType returns the media type of a transfer format.
func ContentType(format string) string {
	if format == FormatXLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// CheckFormat refuses a format other than csv and xlsx.
func CheckFormat(format string) error {
	if format != FormatCSV && format != FormatXLSX {
		return tide.Invalid("format", "format must be csv or xlsx")
	}
	return nil
}

// The columns of a household file, one row per member. Household columns
// repeat on every member row of a household (or are blank after the first);
// indicator columns, named IndicatorPrefix+ID, sit between the two groups.
var (
	HouseholdColumns = []string{"household", "village", "income_per_person", "last_year_income", "shock_costs", "cadre_name", "cadre_phone"}
	MemberColumns    = memberColumnNames[:]
)

// memberColumnNames are MemberColumns as an array, so a file's layout holds
// a position for each.
var memberColumnNames = [...]string{"name", "sex", "birth_date", "relation", "id_number", "phone", "disability", "health", "schooling", "medical_insurance"}

// The index of each member column in memberColumnNames.
const (
	colName = iota
	colSex
	colBirth
	colRelation
	colIDNumber
	colPhone
	colDisability
	colHealth
	colSchooling
	colMedicalInsurance
)

// IndicatorPrefix starts the name of an indicator column: ind_food_secure.
const IndicatorPrefix = "ind_"

// requiredColumns must be in every file's header.
var requiredColumns = []string{"household", "village", "name", "sex", "birth_date", "relation"}

// FileColumns returns the header of a household file with the given indicators.
func FileColumns(indicators []string) []string {
	cols := append([]string{}, HouseholdColumns...)
	for _, id := range indicators {
		cols = append(cols, IndicatorPrefix+id)
	}
	return append(cols, MemberColumns...)
}

// MaxXLSXRows is the most rows a worksheet holds, header included.
const MaxXLSXRows = excelize.TotalRows

// maxUnzipped bounds what an uploaded workbook may expand to, so a small zip
// bomb cannot fill the disk or memory.
const maxUnzipped = 4 << 30

// rowReader yields the records of a file with the line (or sheet row) each
// starts on; it returns io.EOF at the end and a *RowError for a row it
// cannot read, after which it may go on.
type rowReader interface {
	next() (line int, rec []string, err error)
}

type csvRows struct{ r *csv.Reader }

func newCSVRows(r io.Reader) *csvRows {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	// Each record's fields are copied by readAhead, its only caller.
	cr.ReuseRecord = true
	return &csvRows{r: cr}
}

func (c *csvRows) next() (int, []string, error) {
	rec, err := c.r.Read()
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return perr.StartLine, nil, &RowError{Line: perr.StartLine, Column: "row", Message: "unreadable CSV: " + perr.Err.Error()}
	} else if err != nil {
		return 0, nil, err
	}
	line, _ := c.r.FieldPos(0)
	return line, rec, nil
}

type xlsxRows struct {
	f    *excelize.File
	rows *excelize.Rows
	line int
}

// newXLSXRows opens the first sheet of a workbook for streaming. A failure
// of r itself (a size limit, a dropped upload) is returned as it is, not
// blamed on the file.
func newXLSXRows(r io.Reader) (*xlsxRows, error) {
	er := &readErr{r: r}
	f, err := excelize.OpenReader(er, excelize.Options{UnzipSizeLimit: maxUnzipped})
	if er.err != nil {
		if f != nil {
			f.Close()
		}
		return nil, er.err
	}
	if err != nil {
		return nil, &RowError{Line: 1, Column: "row", Message: "not a readable XLSX workbook: " + err.Error()}
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, &RowError{Line: 1, Column: "row", Message: "the workbook has no sheet"}
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, &RowError{Line: 1, Column: "row", Message: "unreadable sheet: " + err.Error()}
	}
	return &xlsxRows{f: f, rows: rows}, nil
}

// readErr remembers the first error other than io.EOF of the reader it wraps.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

func (x *xlsxRows) next() (int, []string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return 0, nil, &RowError{Line: x.line + 1, Column: "row", Message: "unreadable sheet: " + err.Error()}
		}
		return 0, nil, io.EOF
	}
	x.line++
	cols, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return x.line, nil, &RowError{Line: x.line, Column: "row", Message: "unreadable row: " + err.Error()}
	}
	return x.line, cols, nil
}

func (x *xlsxRows) close() {
	x.rows.Close()
	x.f.Close()
}

// excelDate turns a date a spreadsheet stored as a serial day number back
// into YYYY-MM-DD; anything else is returned as it is.
func excelDate(v string) string {
	if v == "" || strings.ContainsAny(v, "-/") {
		return v
	}
	serial, err := strconv.ParseFloat(v, 64)
	if err != nil || serial < 1 || serial > 2958465 {
		return v
	}
	t, err := excelize.ExcelDateToTime(serial, false)
	if err != nil {
		return v
	}
	return t.Format("2006-01-02")
}

// parseFlag reads a yes/no cell: 1/0, true/false, yes/no (blank is no).
func parseFlag(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "", "0", "false", "no", "n", "f", "否":
		return false, true
	case "1", "true", "yes", "y", "t", "是":
		return true, true
	}
	return false, false
}

// parseIndicator reads an indicator cell: a number, or a yes/no word as 1/0.
func parseIndicator(v string) (float64, bool) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f, true
	}
	if b, ok := parseFlag(v); ok && v != "" {
		if b {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// rowWriter writes the rows of an export.
type rowWriter interface {
	write(rec []any) error
	close() error
}

type csvWriter struct{ w *csv.Writer }

func newCSVWriter(w io.Writer) (*csvWriter, error) {
	// A byte-order mark, so a spreadsheet opens the Chinese text as UTF-8.
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	return &csvWriter{w: csv.NewWriter(w)}, nil
}

func (c *csvWriter) write(rec []any) error {
	s := make([]string, len(rec))
	for i, v := range rec {
		switch v := v.(type) {
		case string:
			s[i] = v
		case float64:
			s[i] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			s[i] = fmt.Sprint(v)
		}
	}
	return c.w.Write(s)
}

func (c *csvWriter) close() error {
	c.w.Flush()
	return c.w.Error()
}

type xlsxWriter struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	out io.Writer
	row int
}

func newXLSXWriter(w io.Writer) (*xlsxWriter, error) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		f.Close()
		return nil, err
	}
	return &xlsxWriter{f: f, sw: sw, out: w}, nil
}

func (x *xlsxWriter) write(rec []any) error {
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, rec)
}

func (x *xlsxWriter) close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	return x.f.Write(x.out)
}
