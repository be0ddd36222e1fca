package geo

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/tide"
)

func TestParse(t *testing.T) {
	square := `[[[104,25],[105,25],[105,26],[104,26],[104,25]]]`
	tests := []struct {
		name, body, says string
	}{
		{"Polygon", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"52"},"geometry":{"type":"Polygon","coordinates":` + square + `}}]}`, ""},
		{"MultiPolygon", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"52"},"geometry":{"type":"MultiPolygon","coordinates":[` + square + `,` + square + `]}}]}`, ""},
		{"ErrNotJSON", `{"type":`, "not valid GeoJSON"},
		{"ErrNoFeatures", `{"type":"FeatureCollection","features":[]}`, "no features"},
		{"ErrNoCode", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":` + square + `}}]}`, "properties.code"},
		{"ErrShortRing", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"52"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,0]]]}}]}`, "at least 4"},
		{"ErrOnePosition", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"52"},"geometry":{"type":"Polygon","coordinates":[[[0],[1,1],[1,0],[0]]]}}]}`, "longitude and a latitude"},
		{"ErrTwice", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"52"},"geometry":{"type":"Polygon","coordinates":` + square + `}},{"type":"Feature","properties":{"code":"52"},"geometry":{"type":"Polygon","coordinates":` + square + `}}]}`, "also feature 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs, err := Parse(strings.NewReader(tt.body))
			if tt.says == "" {
				if err != nil || len(bs) != 1 || bs[0].Region != "52" {
					t.Fatalf("Parse = %+v, %v; want region 52", bs, err)
				}
				return
			}
			if tide.ErrorCode(err) != tide.EINVALID || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %v, want invalid saying %q", err, tt.says)
			}
		})
	}
}

// TestProjection checks that a boundary is drawn inside the box the
// projection fits, north up.
func TestProjection(t *testing.T) {
	b := &Boundary{Region: "52", Polygons: []Polygon{{{{104, 25}, {106, 25}, {106, 27}, {104, 27}, {104, 25}}}}}
	f, ok := Bounds([]*Boundary{b})
	if !ok || f != (Frame{104, 25, 106, 27}) {
		t.Fatalf("Bounds = %+v, %v", f, ok)
	}
	p := Fit(f, 200)
	// 2° of longitude at 26° north are 1.8° of latitude wide: the box is
	// taller than wide.
	if p.Width != 200 || p.Height < 221 || p.Height > 224 {
		t.Errorf("the projected box is %v × %v, want 200 × about 222", p.Width, p.Height)
	}
	path := p.Path(b)
	fields := strings.FieldsFunc(path, func(r rune) bool { return r == 'M' || r == 'L' || r == 'Z' || r == ' ' })
	if len(fields) != 10 || !strings.HasPrefix(path, "M0 ") || !strings.HasSuffix(path, "Z") {
		t.Fatalf("Path = %q, want five points", path)
	}
	for i, f := range fields {
		v, err := strconv.ParseFloat(f, 64)
		limit := p.Width
		if i%2 == 1 {
			limit = p.Height
		}
		if err != nil || v < 0 || v > limit {
			t.Errorf("Path %q: %q is outside the box", path, f)
		}
	}
	if x, y := p.Centre(b); x != 100 || math.Abs(y-p.Height/2) > 1 {
		t.Errorf("Centre = %v, %v; want 100, about %v", x, y, p.Height/2)
	}
}
