package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// fileLayout is where each column of a household file sits.
type fileLayout struct {
	width int
	pos   map[string]int
	// hcols are the household columns after "household", indicators
	// included, and hpos their positions.
	hcols []string
	hpos  []int
	// key and member are the positions of "household" and of MemberColumns,
	// -1 when absent, so a row is read without a lookup per cell.
	key    int
	member [len(memberColumnNames)]int
}

// parseHeader reads the header row. Column names are matched without case or
// surrounding space, and a byte-order mark is ignored.
func parseHeader(header []string) (*fileLayout, []RowError) {
	for len(header) > 0 && strings.TrimSpace(header[len(header)-1]) == "" {
		header = header[:len(header)-1]
	}
	l := &fileLayout{width: len(header), pos: map[string]int{}}
	var bad []RowError
	known := map[string]bool{}
	for _, c := range HouseholdColumns {
		known[c] = true
	}
	for _, c := range MemberColumns {
		known[c] = true
	}
	for i, raw := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff")))
		switch {
		case name == "":
			bad = append(bad, RowError{Line: 1, Column: fmt.Sprintf("column %d", i+1), Message: "the column has no name"})
			continue
		case strings.HasPrefix(name, IndicatorPrefix):
			if id := strings.TrimPrefix(name, IndicatorPrefix); !isIndicatorName(id) {
				bad = append(bad, RowError{Line: 1, Column: name, Message: "an indicator column is ind_ and a lower-case snake_case name"})
				continue
			}
		case !known[name]:
			bad = append(bad, RowError{Line: 1, Column: name, Message: "unknown column; the columns are " +
				strings.Join(HouseholdColumns, ", ") + ", ind_<indicator> for each indicator, and " + strings.Join(MemberColumns, ", ")})
			continue
		}
		if _, dup := l.pos[name]; dup {
			bad = append(bad, RowError{Line: 1, Column: name, Message: "the column appears twice"})
			continue
		}
		l.pos[name] = i
	}
	for _, c := range requiredColumns {
		if _, ok := l.pos[c]; !ok {
			bad = append(bad, RowError{Line: 1, Column: c, Message: "the column is required"})
		}
	}
	for i, raw := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff")))
		if p, ok := l.pos[name]; ok && p == i && name != "household" && (slices.Contains(HouseholdColumns, name) || strings.HasPrefix(name, IndicatorPrefix)) {
			l.hcols = append(l.hcols, name)
			l.hpos = append(l.hpos, i)
		}
	}
	l.key = l.at("household")
	for i, c := range memberColumnNames {
		l.member[i] = l.at(c)
	}
	if n := len(l.hcols) - (len(HouseholdColumns) - 1); n > MaxIndicators {
		bad = append(bad, RowError{Line: 1, Column: "household", Message: fmt.Sprintf("at most %d indicator columns", MaxIndicators)})
	}
	return l, bad
}

// cell returns the trimmed value at position i of rec, "" when absent.
func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// at returns the position of column, -1 when the file has none.
func (l *fileLayout) at(column string) int {
	if i, ok := l.pos[column]; ok {
		return i
	}
	return -1
}

// openHouseholdRows starts reading a household file and reads its header. A
// file that cannot be read as the format says, or whose header is wrong, is
// an *ImportError. Call closeRows when done.
func openHouseholdRows(r io.Reader, format string) (rows rowReader, layout *fileLayout, closeRows func(), err error) {
	closeRows = func() {}
	if format == FormatXLSX {
		x, err := newXLSXRows(r)
		var re *RowError
		if errors.As(err, &re) {
			return nil, nil, nil, &ImportError{Rows: []RowError{*re}}
		} else if err != nil {
			return nil, nil, nil, err
		}
		rows, closeRows = x, x.close
	} else {
		ahead := readAhead(newCSVRows(r))
		rows, closeRows = ahead, ahead.close
	}
	_, header, err := rows.next()
	var re *RowError
	switch {
	case err == io.EOF:
		err = &ImportError{Rows: []RowError{{Line: 1, Column: "household", Message: "the file is empty; the first row must name the columns"}}}
	case errors.As(err, &re):
		err = &ImportError{Rows: []RowError{*re}}
	case err == nil:
		var bad []RowError
		if layout, bad = parseHeader(header); len(bad) > 0 {
			err = &ImportError{Rows: bad}
		}
	}
	if err != nil {
		closeRows()
		return nil, nil, nil, err
	}
	return rows, layout, closeRows, nil
}

// readHouseholdFile reads a whole file into households, recording the rows it
// cannot make sense of. Rules that need the registry are checked later.
// Each member row is handed to check as it is read.
func readHouseholdFile(ctx context.Context, r io.Reader, format string, progress func(done, total int), check func(*Member) error) (*householdFile, error) {
	rows, layout, closeRows, err := openHouseholdRows(r, format)
	if err != nil {
		return nil, err
	}
	defer closeRows()
	f := &householdFile{}
	byKey := map[string]*pendingHousehold{}
	checks := newMemberChecks(check)
	defer checks.wait()
	var re *RowError
	for {
		line, rec, err := rows.next()
		if err == io.EOF {
			break
		} else if errors.As(err, &re) {
			f.bad = append(f.bad, *re)
			f.orphans++
			continue
		} else if err != nil {
			return nil, err
		}
		if blankRecord(rec) {
			continue
		}
		f.rowCount++
		if f.rowCount%10_000 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if progress != nil {
				progress(f.rowCount, 0)
			}
		}
		layout.addRow(f, byKey, checks, line, rec, format == FormatXLSX)
	}
	checks.wait()
	if progress != nil {
		progress(f.rowCount, 0)
	}
	return f, nil
}

func blankRecord(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// addRow adds one member row to its household.
func (l *fileLayout) addRow(f *householdFile, byKey map[string]*pendingHousehold, checks *memberChecks, line int, rec []string, xlsx bool) {
	for i := l.width; i < len(rec); i++ {
		if strings.TrimSpace(rec[i]) != "" {
			f.bad = append(f.bad, RowError{Line: line, Column: "row", Message: fmt.Sprintf("expected %d fields, found %d", l.width, len(rec))})
			f.orphans++
			return
		}
	}
	if !xlsx {
		for _, v := range rec {
			if !utf8.ValidString(v) {
				f.bad = append(f.bad, RowError{Line: line, Column: "row", Message: "the text is not UTF-8: save the file as \"CSV UTF-8\", or as XLSX"})
				f.orphans++
				return
			}
		}
	}
	key := cell(rec, l.key)
	if key == "" {
		f.bad = append(f.bad, RowError{Line: line, Column: "household", Message: "household is required: it groups the rows of one household"})
		f.orphans++
		return
	}
	// A household's rows mostly follow one another: the last row's
	// household is tried before the map.
	p := f.last
	if p == nil || p.key != key {
		if p = byKey[key]; p == nil {
			p = &pendingHousehold{key: key, first: line, cols: l.hcols, vals: make([]string, len(l.hcols)), valLines: make([]int, len(l.hcols))}
			byKey[key] = p
			f.households = append(f.households, p)
		}
		f.last = p
	}
	if !xlsx && len(rec) < l.width {
		p.fail(line, "row", "expected %d fields, found %d", l.width, len(rec))
		return
	}
	for j, c := range l.hcols {
		v := cell(rec, l.hpos[j])
		switch {
		case v == "":
		case p.valLines[j] == 0:
			p.vals[j], p.valLines[j] = v, line
			p.set(c, v, line)
		case v != p.vals[j] && !sameNumber(v, p.vals[j]):
			p.fail(line, c, "%q disagrees with %q on line %d for household %s", v, p.vals[j], p.valLines[j], key)
		}
	}
	col := func(i int) string { return cell(rec, l.member[i]) }
	m := Member{Name: col(colName), Sex: col(colSex), Birth: col(colBirth), Relation: col(colRelation),
		IDNumber: col(colIDNumber), Phone: col(colPhone), Disability: col(colDisability), Health: col(colHealth),
		Schooling: col(colSchooling)}
	if xlsx {
		m.Birth = excelDate(m.Birth)
	}
	var ok bool
	if m.MedicalInsurance, ok = parseFlag(col(colMedicalInsurance)); !ok {
		p.fail(line, "medical_insurance", "medical_insurance must be 1 or 0 (true/false, yes/no)")
	}
	p.checks = append(p.checks, checks.add(m))
	p.lines = append(p.lines, line)
}

// set stores a household column's value in the household.
func (p *pendingHousehold) set(column, v string, line int) {
	h := &p.h
	switch column {
	case "village":
		h.Village = v
	case "cadre_name":
		h.Cadre.Name = v
	case "cadre_phone":
		h.Cadre.Phone = v
	case "income_per_person", "last_year_income", "shock_costs":
		n, ok := parseMinor(v)
		if !ok {
			p.fail(line, column, "%s must be a whole amount in minor units (fen, cents), not %q", column, v)
			return
		}
		switch column {
		case "income_per_person":
			h.IncomePerPerson = n
		case "last_year_income":
			h.LastYearIncome = n
		default:
			h.ShockCosts = n
		}
	default:
		x, ok := parseIndicator(v)
		if !ok {
			p.fail(line, column, "an indicator is 1 (met) or 0 (not met), or a number; not %q", v)
			return
		}
		if h.Indicators == nil {
			h.Indicators = map[string]float64{}
		}
		h.Indicators[strings.TrimPrefix(column, IndicatorPrefix)] = x
	}
}

// parseMinor reads a whole amount; a spreadsheet's "400000.0" is accepted.
func parseMinor(v string) (int64, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > MaxIncome {
		return 0, false
	}
	return int64(f), true
}

func sameNumber(a, b string) bool {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	return errA == nil && errB == nil && x == y
}

// parallel calls fn(i) for i in [0, n) on every processor. progress, when
// set, is told from one goroutine how many are done.
func parallel(n int, fn func(i int), progress func(done int)) {
	const chunk = 256
	var next, done atomic.Int64
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(chunk)) - chunk
				if start >= n {
					return
				}
				end := min(start+chunk, n)
				for i := start; i < end; i++ {
					fn(i)
				}
				d := done.Add(int64(end - start))
				if w == 0 && progress != nil {
					progress(int(d))
				}
			}
		}()
	}
	wg.Wait()
	if progress != nil {
		progress(n)
	}
}
