package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Parse reads a policy file in YAML or JSON and validates it. The format is chosen by
// the name's extension (.json, .yaml, .yml) or, failing that, by the content (JSON
// starts with "{"). Both go through one YAML node tree, so every problem comes back as
// an *Error that names the file, line and field path; unknown fields are errors, so a
// misspelt key is never silently ignored.
func Parse(name string, data []byte) (*Policy, error) {
	if isJSON(name, data) {
		if err := checkJSON(name, data); err != nil {
			return nil, err
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(name, err)
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Line: 1, Message: "file is empty"}
	}
	d := &decoder{file: name, pos: map[string]*yaml.Node{}}
	p := d.policy(resolve(doc.Content[0]))
	if d.err == nil {
		d.validate(p)
	}
	if d.err != nil {
		return nil, d.err
	}
	for j := range p.Indicators {
		for _, id := range p.Exit.Indicators {
			if p.Indicators[j].ID == id {
				p.Indicators[j].ExitRequired = true
			}
		}
	}
	return p, nil
}

func isJSON(name string, data []byte) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	return bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
}

// checkJSON reports JSON syntax errors in JSON's own terms; the YAML parser would
// accept some invalid JSON and describe the rest in YAML's words.
func checkJSON(name string, data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	if err == nil {
		return nil
	}
	var off int64
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	line, col := 1, 1
	for _, c := range data[:min(max(off-1, 0), int64(len(data)))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &Error{File: name, Line: line, Column: col, Message: "invalid JSON: " + err.Error()}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxError(name string, err error) error {
	e := &Error{File: name, Message: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Message = "invalid YAML: " + m[2]
	}
	return e
}

// decoder walks a policy's node tree. It keeps the first error only, and remembers
// where each field path was written so validation can point at it.
type decoder struct {
	file string
	pos  map[string]*yaml.Node
	err  *Error
}

// fields maps a mapping's keys to the functions that decode their values.
type fields map[string]func(n *yaml.Node, path string)

func (d *decoder) failf(n *yaml.Node, field, format string, args ...any) {
	if d.err != nil {
		return
	}
	d.err = &Error{File: d.file, Field: field, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		d.err.Line, d.err.Column = n.Line, n.Column
	}
}

// at returns the node where a field path was written, or its nearest written parent.
func (d *decoder) at(field string) *yaml.Node {
	for field != "" {
		if n := d.pos[field]; n != nil {
			return n
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return nil
}

// has reports whether a field was written with a non-null value.
func (d *decoder) has(field string) bool { return d.pos[field] != nil }

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// mapping decodes a mapping node with the given fields, rejecting unknown and
// duplicate keys, and returns the keys that had a non-null value.
func (d *decoder) mapping(n *yaml.Node, at string, fs fields) map[string]bool {
	seen := map[string]bool{}
	if n.Kind != yaml.MappingNode {
		d.failf(n, at, "must be a mapping (an object in JSON)")
		return seen
	}
	dup := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		field := join(at, k.Value)
		set, ok := fs[k.Value]
		switch {
		case !ok:
			known := make([]string, 0, len(fs))
			for key := range fs {
				known = append(known, key)
			}
			sort.Strings(known)
			d.failf(k, field, "unknown field (known: %s)", strings.Join(known, ", "))
			continue
		case dup[k.Value]:
			d.failf(k, field, "duplicate field")
			continue
		}
		dup[k.Value] = true
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			continue
		}
		seen[k.Value] = true
		d.pos[field] = k
		set(v, field)
	}
	return seen
}

func (d *decoder) require(n *yaml.Node, at string, seen map[string]bool, keys ...string) {
	for _, k := range keys {
		if !seen[k] {
			d.failf(n, join(at, k), "is required")
		}
	}
}

func (d *decoder) sequence(n *yaml.Node, at string, item func(n *yaml.Node, path string)) {
	if n.Kind != yaml.SequenceNode {
		d.failf(n, at, "must be a list")
		return
	}
	for i, it := range n.Content {
		field := fmt.Sprintf("%s[%d]", at, i)
		d.pos[field] = it
		item(resolve(it), field)
	}
}

func (d *decoder) str(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, at string) {
		if n.Kind != yaml.ScalarNode {
			d.failf(n, at, "must be a string")
			return
		}
		*dst = n.Value
	}
}

func (d *decoder) strs(dst *[]string) func(*yaml.Node, string) {
	return func(n *yaml.Node, at string) {
		d.sequence(n, at, func(n *yaml.Node, at string) {
			var s string
			d.str(&s)(n, at)
			*dst = append(*dst, s)
		})
	}
}

func (d *decoder) integer(dst *int64) func(*yaml.Node, string) {
	return func(n *yaml.Node, at string) {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(dst) != nil {
			d.failf(n, at, "must be a whole number (amounts are in minor units: 400000 for 4,000.00)")
		}
	}
}

func (d *decoder) boolean(dst *bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, at string) {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(dst) != nil {
			d.failf(n, at, "must be true or false")
		}
	}
}

// number decodes a number, or a fraction written as a string such as "1/6", so that
// weights like 1/18 are stored as exactly as a float64 allows.
func (d *decoder) number(dst *float64) func(*yaml.Node, string) {
	return func(n *yaml.Node, at string) {
		var v float64
		var err error
		switch {
		case n.Kind != yaml.ScalarNode:
			err = errors.New("not a scalar")
		case n.ShortTag() == "!!str":
			v, err = parseFraction(n.Value)
		default:
			err = n.Decode(&v)
		}
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			d.failf(n, at, `must be a number or a fraction such as "1/6"`)
			return
		}
		*dst = v
	}
}

func parseFraction(s string) (float64, error) {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		return strconv.ParseFloat(strings.TrimSpace(s), 64)
	}
	a, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return 0, err
	}
	b, err := strconv.ParseFloat(strings.TrimSpace(den), 64)
	if err != nil || b == 0 {
		return 0, errors.New("bad denominator")
	}
	return a / b, nil
}
