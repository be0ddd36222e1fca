// Package geo holds regions' boundaries: GeoJSON read and checked on import,
// stored per region, and drawn as SVG paths projected on the server, so a
// map costs a page a few kilobytes and no script.
package geo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Polygon is a list of rings, the first the outline and the rest holes;
// each ring is a list of [longitude, latitude] points whose last equals its
// first.
type Polygon [][][2]float64

// Boundary is one region's shape: one or more polygons.
type Boundary struct {
	Region   string    `json:"region"`
	Polygons []Polygon `json:"polygons"`
}

// MaxPoints bounds the points of one region's boundary.
const MaxPoints = 200_000

// Store keeps boundaries.
type Store interface {
	// SaveBoundaries replaces the boundaries of the regions given, all or
	// none; EINVALID naming the region when one does not exist.
	SaveBoundaries(ctx context.Context, bs []*Boundary, c audit.Change) error
	// FindBoundaries returns the boundaries of the regions among codes
	// that have one.
	FindBoundaries(ctx context.Context, codes []string) ([]*Boundary, error)
}

// Service imports and reads boundaries.
type Service struct{ store Store }

// NewService returns a boundary service over store.
func NewService(s Store) *Service { return &Service{store: s} }

// Import reads a GeoJSON FeatureCollection whose features carry the region
// code in the property "code" and stores their boundaries, all or none. An
// administrator imports.
func (s *Service) Import(ctx context.Context, r io.Reader) (int, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return 0, tide.Errorf(tide.EUNAUTHORIZED, "sign in to import boundaries")
	}
	if !a.Has(tide.RoleAdmin) {
		return 0, tide.Errorf(tide.EFORBIDDEN, "only an administrator imports boundaries")
	}
	bs, err := Parse(r)
	if err != nil {
		return 0, err
	}
	for _, b := range bs {
		if !a.Sees(b.Region) {
			return 0, tide.Invalid("code", "region %s is outside your scope", b.Region)
		}
	}
	c := audit.Change{Actor: a.Name, Action: "import", Entity: "boundary", After: map[string]any{"regions": len(bs)}}
	return len(bs), s.store.SaveBoundaries(ctx, bs, c)
}

// Save stores boundaries made by the program itself (the demo's), after the
// same checks as an import; an administrator saves.
func (s *Service) Save(ctx context.Context, bs []*Boundary) (int, error) {
	a := tide.ActorFrom(ctx)
	if !a.Has(tide.RoleAdmin) || a.Scope != "" {
		return 0, tide.Errorf(tide.EFORBIDDEN, "only an administrator of every region saves boundaries")
	}
	for _, b := range bs {
		if err := b.check(); err != nil {
			return 0, tide.Invalid("features", "region %s: %s", b.Region, tide.ErrorMessage(err))
		}
	}
	c := audit.Change{Actor: a.Name, Action: "save", Entity: "boundary", After: map[string]any{"regions": len(bs)}}
	return len(bs), s.store.SaveBoundaries(ctx, bs, c)
}

// Find returns the boundaries of the regions among codes that have one;
// boundaries are public.
func (s *Service) Find(ctx context.Context, codes []string) ([]*Boundary, error) {
	return s.store.FindBoundaries(ctx, codes)
}

type feature struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

// Parse reads and checks a GeoJSON FeatureCollection of Polygon and
// MultiPolygon features, each with its region's code in properties.code.
// The error names the feature at fault.
func Parse(r io.Reader) ([]*Boundary, error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read boundaries: %w", err)
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		return nil, tide.Invalid("geojson", "not valid GeoJSON: %v", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, tide.Invalid("geojson", "the file must be a GeoJSON FeatureCollection, not %q", fc.Type)
	}
	if len(fc.Features) == 0 {
		return nil, tide.Invalid("geojson", "the FeatureCollection has no features")
	}
	seen := map[string]int{}
	out := make([]*Boundary, 0, len(fc.Features))
	for i, raw := range fc.Features {
		b, err := parseFeature(raw)
		if err != nil {
			return nil, tide.Invalid("features", "feature %d: %s", i+1, tide.ErrorMessage(err))
		}
		if prev, dup := seen[b.Region]; dup {
			return nil, tide.Invalid("features", "feature %d: region %s is also feature %d", i+1, b.Region, prev)
		}
		seen[b.Region] = i + 1
		out = append(out, b)
	}
	return out, nil
}

func parseFeature(raw json.RawMessage) (*Boundary, error) {
	var f feature
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, tide.Invalid("", "not a GeoJSON feature: %v", err)
	}
	if f.Type != "Feature" {
		return nil, tide.Invalid("", "type must be Feature, not %q", f.Type)
	}
	code, _ := f.Properties["code"].(string)
	if code = strings.TrimSpace(code); code == "" {
		return nil, tide.Invalid("", "properties.code must name the region")
	}
	if f.Geometry == nil {
		return nil, tide.Invalid("", "region %s has no geometry", code)
	}
	b := &Boundary{Region: code}
	var polys [][][][]float64
	switch f.Geometry.Type {
	case "Polygon":
		var p [][][]float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
			return nil, tide.Invalid("", "region %s: Polygon coordinates must be rings of [longitude, latitude] pairs", code)
		}
		polys = [][][][]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(f.Geometry.Coordinates, &polys); err != nil {
			return nil, tide.Invalid("", "region %s: MultiPolygon coordinates must be polygons of rings of [longitude, latitude] pairs", code)
		}
	default:
		return nil, tide.Invalid("", "region %s: geometry must be a Polygon or MultiPolygon, not %q", code, f.Geometry.Type)
	}
	for _, p := range polys {
		var poly Polygon
		for _, ring := range p {
			var r [][2]float64
			for _, pos := range ring {
				if len(pos) < 2 {
					return nil, tide.Invalid("", "region %s: a position must hold a longitude and a latitude", code)
				}
				r = append(r, [2]float64{pos[0], pos[1]})
			}
			poly = append(poly, r)
		}
		b.Polygons = append(b.Polygons, poly)
	}
	if err := b.check(); err != nil {
		return nil, tide.Invalid("", "region %s: %s", code, tide.ErrorMessage(err))
	}
	return b, nil
}

// check enforces GeoJSON's rules on polygons: at least one, each ring of
// four points or more, closed, with coordinates on the globe.
func (b *Boundary) check() error {
	if len(b.Polygons) == 0 {
		return tide.Invalid("", "the geometry has no polygon")
	}
	n := 0
	for i, p := range b.Polygons {
		if len(p) == 0 {
			return tide.Invalid("", "polygon %d has no ring", i+1)
		}
		for j, ring := range p {
			if len(ring) < 4 {
				return tide.Invalid("", "polygon %d ring %d has %d points; a ring needs at least 4", i+1, j+1, len(ring))
			}
			if ring[0] != ring[len(ring)-1] {
				return tide.Invalid("", "polygon %d ring %d is not closed: its last point must equal its first", i+1, j+1)
			}
			for _, pt := range ring {
				if math.IsNaN(pt[0]) || pt[0] < -180 || pt[0] > 180 || math.IsNaN(pt[1]) || pt[1] < -90 || pt[1] > 90 {
					return tide.Invalid("", "point %v is off the globe: longitude must be -180 to 180, latitude -90 to 90", pt)
				}
			}
			n += len(ring)
		}
	}
	if n > MaxPoints {
		return tide.Invalid("", "the boundary has %d points; at most %d", n, MaxPoints)
	}
	return nil
}
