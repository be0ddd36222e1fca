package geo

import (
	"math"
	"strconv"
	"strings"
)

// Frame is a bounding box in longitude and latitude.
type Frame struct{ MinX, MinY, MaxX, MaxY float64 }

// Bounds returns the frame holding every boundary given; ok is false when
// there is no point.
func Bounds(bs []*Boundary) (f Frame, ok bool) {
	f = Frame{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, b := range bs {
		for _, p := range b.Polygons {
			for _, pt := range p[0] {
				f.MinX, f.MaxX = min(f.MinX, pt[0]), max(f.MaxX, pt[0])
				f.MinY, f.MaxY = min(f.MinY, pt[1]), max(f.MaxY, pt[1])
				ok = true
			}
		}
	}
	return f, ok
}

// Projection maps longitude and latitude into an SVG box of a given width,
// with the east-west scale shrunk by the cosine of the middle latitude so
// that shapes keep their look away from the equator.
type Projection struct {
	frame         Frame
	scale, cosLat float64
	Width, Height float64
}

// Fit returns the projection that fits frame into width pixels across.
func Fit(frame Frame, width float64) Projection {
	cos := math.Cos((frame.MinY + frame.MaxY) / 2 * math.Pi / 180)
	w := max((frame.MaxX-frame.MinX)*cos, 1e-9)
	h := max(frame.MaxY-frame.MinY, 1e-9)
	s := width / w
	return Projection{frame: frame, scale: s, cosLat: cos, Width: width, Height: math.Ceil(h * s)}
}

func (p Projection) point(pt [2]float64) (x, y float64) {
	return (pt[0] - p.frame.MinX) * p.cosLat * p.scale, (p.frame.MaxY - pt[1]) * p.scale
}

// Path returns the SVG path data of a boundary, rounded to a tenth of a
// pixel, and skipping points that fall within a pixel of the one before.
func (p Projection) Path(b *Boundary) string {
	var sb strings.Builder
	for _, poly := range b.Polygons {
		for _, ring := range poly {
			lx, ly := math.Inf(1), math.Inf(1)
			for i, pt := range ring {
				x, y := p.point(pt)
				if i > 0 && i < len(ring)-1 && math.Abs(x-lx) < 1 && math.Abs(y-ly) < 1 {
					continue
				}
				if i == 0 {
					sb.WriteByte('M')
				} else {
					sb.WriteByte('L')
				}
				sb.WriteString(num(x))
				sb.WriteByte(' ')
				sb.WriteString(num(y))
				lx, ly = x, y
			}
			sb.WriteByte('Z')
		}
	}
	return sb.String()
}

// Centre returns the projected centre of a boundary's outline's frame, where
// its label goes.
func (p Projection) Centre(b *Boundary) (x, y float64) {
	f, _ := Bounds([]*Boundary{b})
	return p.point([2]float64{(f.MinX + f.MaxX) / 2, (f.MinY + f.MaxY) / 2})
}

func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
