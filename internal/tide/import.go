package tide

import (
	"fmt"
	"strings"
)

// RowError is one bad row of an import file, named by its line (counting
// from 1, the header included; the sheet row for XLSX) and column.
type RowError struct {
	Line    int    `json:"line"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

func (e RowError) Error() string {
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Message)
}

// ImportError carries every bad row of a refused import, of which nothing
// was written. Its code is EINVALID, so every interface reports it as bad
// input.
type ImportError struct{ Rows []RowError }

func (e *ImportError) Error() string {
	var b strings.Builder
	b.WriteString(e.summary())
	for i, r := range e.Rows {
		if i == 20 {
			fmt.Fprintf(&b, "\n…and %d more", len(e.Rows)-20)
			break
		}
		b.WriteString("\n" + r.Error())
	}
	return b.String()
}

// Unwrap gives the error its code for ErrorCode.
func (e *ImportError) Unwrap() error {
	return &Error{Code: EINVALID, Message: e.summary()}
}

func (e *ImportError) summary() string {
	if len(e.Rows) == 1 {
		return "1 bad row, nothing imported"
	}
	return fmt.Sprintf("%d bad rows, nothing imported", len(e.Rows))
}
