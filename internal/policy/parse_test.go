package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// baseYAML is a valid policy; error cases change one thing in it. Line numbers in the
// cases below refer to it.
const baseYAML = `id: t
name: T
version: "1"
currency: CNY
income_line: 100000
k: 1/2
indicators:
  - id: a
    name: A
    weight: 1/2
    kind: bool
  - id: b
    name: B
    weight: 1/2
    kind: min
    cutoff: 3
poverty:
  income: below
exit:
  income_above_line: true
  indicators: [a]
`

const baseJSON = `{
  "id": "t",
  "name": "T",
  "version": "1",
  "currency": "CNY",
  "income_line": 100000,
  "indicators": [
    {"id": "a", "name": "A", "kind": "bool"}
  ],
  "poverty": {"income": "below"},
  "exit": {"income_above_line": true, "indicators": ["a"]}
}
`

func TestParseValid(t *testing.T) {
	for _, tc := range []struct{ name, file, data string }{
		{"YAML", "t.yaml", baseYAML},
		{"JSON", "t.json", baseJSON},
		{"JSONByContent", "t", baseJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.file, []byte(tc.data))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got, want := p.IncomeLine, int64(100000); got != want {
				t.Errorf("IncomeLine: got %d, want %d", got, want)
			}
			if got, want := p.Indicators[0].ExitRequired, true; got != want {
				t.Errorf("Indicators[0].ExitRequired: got %v, want %v", got, want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tooMany := "indicators:\n"
	for i := range MaxIndicators + 1 {
		tooMany += fmt.Sprintf("  - {id: i%d, name: I, kind: bool}\n", i)
	}
	for _, tc := range []struct {
		name      string
		file      string
		data      string
		old, new  string // replacement applied to data
		wantLine  int
		wantField string
		wantMsg   string
	}{
		{"BadWeight", "t.yaml", baseYAML, "weight: 1/2\n    kind: min", "weight: 1.5\n    kind: min", 14, "indicators[1].weight", "must be between 0 and 1"},
		{"UnknownField", "t.yaml", baseYAML, "name: B\n", "name: B\n    colour: red\n", 14, "indicators[1].colour", "unknown field"},
		{"UnknownTopLevelField", "t.yaml", baseYAML, "k: 1/2\n", "k: 1/2\nkk: 1\n", 7, "kk", "unknown field"},
		{"DuplicateField", "t.yaml", baseYAML, "name: T\n", "name: T\nname: U\n", 3, "name", "duplicate field"},
		{"DuplicateID", "t.yaml", baseYAML, "id: b", "id: a", 12, "indicators[1].id", `duplicate indicator id "a"`},
		{"BadIndicatorID", "t.yaml", baseYAML, "id: b", "id: B-1", 12, "indicators[1].id", "snake_case"},
		{"UnknownKind", "t.yaml", baseYAML, "kind: bool", "kind: boolean", 11, "indicators[0].kind", `unknown kind "boolean"`},
		{"WeightsNotSumming", "t.yaml", baseYAML, "weight: 1/2\n    kind: bool", "weight: 1/3\n    kind: bool", 7, "indicators", "weights sum to"},
		{"WeightMissing", "t.yaml", baseYAML, "    weight: 1/2\n    kind: bool\n", "    kind: bool\n", 8, "indicators[0].weight", "is required when k"},
		{"BadFraction", "t.yaml", baseYAML, "k: 1/2", "k: 1/0", 6, "k", "fraction"},
		{"KOutOfRange", "t.yaml", baseYAML, "k: 1/2", "k: 1.5", 6, "k", "must be in (0, 1]"},
		{"NegativeIncomeLine", "t.yaml", baseYAML, "income_line: 100000", "income_line: -1", 5, "income_line", "must not be negative"},
		{"IncomeLineNotWhole", "t.yaml", baseYAML, "income_line: 100000", "income_line: 1000.50", 5, "income_line", "whole number"},
		{"MissingCutoff", "t.yaml", baseYAML, "    cutoff: 3\n", "", 12, "indicators[1].cutoff", "is required for kind min"},
		{"BoolWithCutoff", "t.yaml", baseYAML, "kind: bool\n", "kind: bool\n    cutoff: 1\n", 12, "indicators[0].cutoff", "only kinds min and max"},
		{"MissingName", "t.yaml", baseYAML, "name: T\n", "", 1, "name", "is required"},
		{"ExitUnknownIndicator", "t.yaml", baseYAML, "indicators: [a]", "indicators: [a, c]", 21, "exit.indicators[1]", `unknown indicator "c"`},
		{"ExitNoRule", "t.yaml", baseYAML, "  income_above_line: true\n  indicators: [a]\n", "  indicators: []\n", 19, "exit", "at least one rule"},
		{"UnknownIncomeTest", "t.yaml", baseYAML, "income: below", "income: under", 18, "poverty.income", `unknown income test "under"`},
		{"FallPctOutOfRange", "t.yaml", baseYAML, "poverty:", "monitoring:\n  income_fall_pct: 30\npoverty:", 18, "monitoring.income_fall_pct", "between 0 and 1"},
		{"TooManyIndicators", "t.yaml", baseYAML, "k: 1/2\n", "", 0, "indicators[16]", "at most 16"},
		{"NotAMapping", "t.yaml", baseYAML, "poverty:\n  income: below", "poverty: [below]", 17, "poverty", "must be a mapping"},
		{"YAMLSyntax", "t.yaml", baseYAML, "name: A\n", "name: A: B\n", 9, "", "invalid YAML"},
		{"Empty", "t.yaml", "", "", "", 1, "", "file is empty"},
		{"JSONUnknownField", "t.json", baseJSON, `"kind": "bool"`, `"kind": "bool", "cutof": 1`, 8, "indicators[0].cutof", "unknown field"},
		{"JSONSyntax", "t.json", baseJSON, `"version": "1",`, `"version": "1"`, 5, "", "invalid JSON"},
		{"JSONTrailingData", "t.json", baseJSON + "}", "", "", 13, "", "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data
			if tc.old != "" {
				if !strings.Contains(data, tc.old) {
					t.Fatalf("case does not apply: %q not in the base file", tc.old)
				}
				data = strings.Replace(data, tc.old, tc.new, 1)
			}
			if tc.name == "TooManyIndicators" {
				data = strings.Replace(data, data[strings.Index(data, "indicators:"):strings.Index(data, "poverty:")], tooMany, 1)
				tc.wantLine = 6 + MaxIndicators + 1 // k removed, so indicators: is line 6
			}
			_, err := Parse(tc.file, []byte(data))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse: got %v, want an *Error", err)
			}
			if got, want := e.File, tc.file; got != want {
				t.Errorf("File: got %q, want %q", got, want)
			}
			if got, want := e.Line, tc.wantLine; got != want {
				t.Errorf("Line: got %d, want %d (%v)", got, want, err)
			}
			if got, want := e.Field, tc.wantField; got != want {
				t.Errorf("Field: got %q, want %q (%v)", got, want, err)
			}
			prefix := fmt.Sprintf("%s:%d", tc.file, tc.wantLine)
			if got := err.Error(); !strings.HasPrefix(got, prefix) || !strings.Contains(got, tc.wantField) || !strings.Contains(got, tc.wantMsg) {
				t.Errorf("message: got %q, want it to start %q and name %q and %q", got, prefix, tc.wantField, tc.wantMsg)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  *Error
		want string
	}{
		{"Full", &Error{"cn-2020.yaml", 14, 5, "indicators[2].weight", "must be between 0 and 1"}, "cn-2020.yaml:14:5: indicators[2].weight: must be between 0 and 1"},
		{"NoColumn", &Error{"cn-2020.yaml", 14, 0, "indicators[2].weight", "must be between 0 and 1"}, "cn-2020.yaml:14: indicators[2].weight: must be between 0 and 1"},
		{"NoLineNoField", &Error{"a.yaml", 0, 0, "", "file is empty"}, "a.yaml: file is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
