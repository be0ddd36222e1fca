package policy

import (
	"fmt"
	"strings"
)

// Error is a problem in a policy file. It names the file, the line and column where the
// problem is (0 when unknown) and the field path, e.g. "indicators[2].weight", so the
// author can go straight to it.
type Error struct {
	File    string
	Line    int
	Column  int
	Field   string
	Message string
}

// Error formats the problem as "file:line:column: field: message", leaving out the
// parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}
