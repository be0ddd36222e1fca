package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tide-project/tide/internal/tide"
)

// MaxJSONBody bounds API request bodies; larger ones are answered 413.
const MaxJSONBody = 1 << 20

// decode reads one JSON object from the request into v, refusing unknown
// fields, wrong types, trailing data and bodies over the limit, each with the
// field named where there is one.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxJSONBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err)
		}
		return tide.Invalid("", "the body must hold exactly one JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return tide.Errorf(tide.ETOOLARGE, "the body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, io.EOF):
		return tide.Invalid("", "a JSON body is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return tide.Invalid("", "malformed JSON: the body ends too soon")
	case errors.As(err, &syn):
		return tide.Invalid("", "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return tide.Invalid("", "the body must be a JSON object, not %s", typ.Value)
		}
		return tide.Invalid(field, "%s must be %s, not %s", field, jsonType(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return tide.Invalid(field, "unknown field %q", field)
	}
	return tide.Invalid("", "malformed JSON: %v", err)
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "true or false"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		// Amounts are integer minor units, so a fraction is refused here.
		return "a whole number"
	}
	return "a number"
}

// importRows returns the row errors of a refused import, or nil.
func importRows(err error) []tide.RowError {
	var ie *tide.ImportError
	if errors.As(err, &ie) && len(ie.Rows) > 0 {
		return ie.Rows
	}
	return nil
}

// page is the envelope of every list answer.
type page[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// paging reads offset and limit from the query string.
func paging(r *http.Request) (offset, limit int, err error) {
	q := r.URL.Query()
	if offset, err = intParam(q.Get("offset"), "offset"); err != nil {
		return
	}
	limit, err = intParam(q.Get("limit"), "limit")
	return offset, tide.ClampLimit(limit), err
}

func intParam(s, name string) (int, error) {
	if s == "" {
		return 0, nil
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != s {
		return 0, tide.Invalid(name, "%s must be a whole number of 0 or more", name)
	}
	return n, nil
}
