package web

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/tide-project/tide/internal/market"
)

// The order route is the hottest of the API, so its JSON is written and read
// by hand; anything out of the ordinary falls back to encoding/json, and the
// tests hold both to the same answers.

// appendOrderJSON appends o as encoding/json would encode it.
func appendOrderJSON(b []byte, o *market.Order) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, o.ID)
	b = append(b, `,"room":`...)
	b = appendJSONString(b, o.RoomID)
	b = append(b, `,"product":`...)
	b = appendJSONString(b, o.ProductID)
	b = append(b, `,"buyer":`...)
	b = strconv.AppendInt(b, o.BuyerID, 10)
	b = append(b, `,"quantity":`...)
	b = strconv.AppendInt(b, o.Quantity, 10)
	b = append(b, `,"unit_price":`...)
	b = strconv.AppendInt(b, o.UnitPrice, 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, o.Total, 10)
	b = append(b, `,"currency":`...)
	b = appendJSONString(b, o.Currency)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, string(o.State))
	b = append(b, `,"created_at":`...)
	b = appendJSONTime(b, o.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendJSONTime(b, o.UpdatedAt)
	return append(b, '}')
}

// appendJSONString quotes s; strings that need escaping go through
// encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendJSONTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		q, _ := json.Marshal(t) // encoding/json refuses these; say so its way
		return append(b, q...)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// parseOrderBody reads {"product":"…","quantity":N} in any order, with
// optional white space. ok is false for anything else, which the caller
// hands to encoding/json for its verdict.
func parseOrderBody(b []byte, in *orderBody) (ok bool) {
	p := jsonScan{b: b}
	if !p.byte('{') {
		return false
	}
	var seenProduct, seenQuantity bool
	for {
		key, ok := p.plainString()
		if !ok || !p.byte(':') {
			return false
		}
		switch {
		case key == "product" && !seenProduct:
			v, ok := p.plainString()
			if !ok {
				return false
			}
			in.Product, seenProduct = v, true
		case key == "quantity" && !seenQuantity:
			n, ok := p.smallInt()
			if !ok {
				return false
			}
			in.Quantity, seenQuantity = n, true
		default:
			return false
		}
		if p.byte('}') {
			p.space()
			return p.i == len(p.b)
		}
		if !p.byte(',') {
			return false
		}
	}
}

// jsonScan reads the few JSON forms parseOrderBody accepts.
type jsonScan struct {
	b []byte
	i int
}

func (p *jsonScan) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *jsonScan) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// plainString reads a string of printable ASCII without escapes.
func (p *jsonScan) plainString() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			s := string(p.b[start:p.i])
			p.i++
			return s, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return "", false
		}
	}
	return "", false
}

// smallInt reads an integer of at most 9 digits, without sign or exponent
// unless a minus, so that it cannot overflow.
func (p *jsonScan) smallInt() (int64, bool) {
	p.space()
	neg := p.i < len(p.b) && p.b[p.i] == '-'
	if neg {
		p.i++
	}
	start := p.i
	var n int64
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' && p.i-start < 10 {
		n = n*10 + int64(p.b[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || digits > 9 || (digits > 1 && p.b[start] == '0') {
		return 0, false
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}
