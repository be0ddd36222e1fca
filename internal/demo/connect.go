package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/geo"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
)

// The connect step draws the province's map, the history of its villages'
// connections over the campaign's years (under 70% of the villages with
// fibre or 4G at the start, 98% by last year, as in China's campaign),
// its schools (79% connected at the start, 98.7% by last year), and the
// remote classes that city high schools give to village classrooms, with
// attendance for those already held.

// connectYears is how many years before today the history starts: as far
// back as the overview's trends go.
const connectYears = 6

// province is where the demo province's map lies, in degrees.
var province = geo.Frame{MinX: 104.0, MinY: 25.0, MaxX: 109.0, MaxY: 29.0}

var providers = []string{"China Telecom", "China Unicom", "China Mobile"}

func makeConnect(ctx context.Context, rng *rand.Rand, svc Services, p *Province) error {
	if svc.Connect == nil {
		return nil
	}
	if svc.Boundaries != nil {
		if err := makeShapes(ctx, rng, svc.Boundaries, p); err != nil {
			return fmt.Errorf("shapes: %w", err)
		}
	}
	today := svc.Connect.Now().UTC().Truncate(24 * time.Hour)
	start := today.Year() - connectYears
	if err := svc.Connect.Report(ctx, villageHistory(rng, p, start, today)); err != nil {
		return fmt.Errorf("village reports: %w", err)
	}
	schools := demoSchools(rng, p, start, today)
	if err := svc.Connect.SaveSchools(ctx, schools); err != nil {
		return fmt.Errorf("schools: %w", err)
	}
	p.Schools = len(schools)
	return makeClasses(ctx, rng, svc.Connect, p, schools, today)
}

// arrival draws the year something reaches a place: shares[k] of places
// have it by the end of year start+k; a place beyond the last share never
// gets it. ok is false then.
func arrival(rng *rand.Rand, start int, shares []float64) (year int, ok bool) {
	u := rng.Float64()
	for k, s := range shares {
		if u < s {
			return start + k, true
		}
	}
	return 0, false
}

// dayIn draws a day of year, not after today.
func dayIn(rng *rand.Rand, year int, today time.Time) time.Time {
	d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(365))
	if d.After(today) {
		d = today
	}
	return d
}

// shareCurve rises from first to last over n years, fast at first.
func shareCurve(first, last float64, n int) []float64 {
	out := make([]float64, n)
	for k := range out {
		out[k] = first + (last-first)*math.Pow(float64(k)/float64(n-1), 0.7)
	}
	return out
}

// villageHistory draws each village's reports: one on the first day of the
// history, then one each time 4G, fibre, 5G or public Wi-Fi arrives.
func villageHistory(rng *rand.Rand, p *Province, start int, today time.Time) []*connect.Report {
	fibre := shareCurve(0.35, 0.985, connectYears)
	fourG := shareCurve(0.45, 0.99, connectYears)
	first := time.Date(start, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []*connect.Report
	for _, v := range p.Villages {
		type change struct {
			at   time.Time
			what string
		}
		var changes []change
		state := connect.Report{Village: v.Code, On: first.Format(time.DateOnly)}
		if y, ok := arrival(rng, start, fourG); ok {
			if y == start && rng.IntN(2) == 0 {
				state.FourG = true
			} else {
				changes = append(changes, change{dayIn(rng, y, today), "4g"})
			}
		}
		provider := providers[rng.IntN(len(providers))]
		if y, ok := arrival(rng, start, fibre); ok {
			at := dayIn(rng, y, today)
			if y == start && rng.IntN(2) == 0 {
				state.Fibre, state.FibreSince, state.Provider, state.Bandwidth = true, dayIn(rng, start-2, today).Format(time.DateOnly), provider, 50
			} else {
				changes = append(changes, change{at, "fibre"})
			}
			if rng.IntN(5) == 0 {
				changes = append(changes, change{dayIn(rng, today.Year()-rng.IntN(3), today), "5g"})
			}
			if rng.IntN(2) == 0 {
				changes = append(changes, change{dayIn(rng, min(y+1+rng.IntN(3), today.Year()), today), "wifi"})
			}
		}
		r := state
		out = append(out, &r)
		// Apply the changes in date order, each a new full report.
		for len(changes) > 0 {
			k := 0
			for i, c := range changes {
				if c.at.Before(changes[k].at) {
					k = i
				}
			}
			c := changes[k]
			changes = append(changes[:k], changes[k+1:]...)
			if (c.what == "5g" || c.what == "wifi") && !state.Fibre {
				continue // 5G masts and public Wi-Fi follow the fibre
			}
			switch c.what {
			case "4g":
				state.FourG = true
			case "fibre":
				state.Fibre, state.FibreSince, state.Provider, state.Bandwidth = true, c.at.Format(time.DateOnly), provider, 100
			case "5g":
				state.FiveG, state.FourG = true, true
			case "wifi":
				state.WiFi = true
			}
			state.On = c.at.Format(time.DateOnly)
			if r := out[len(out)-1]; r.On == state.On {
				*r = state
				continue
			}
			r := state
			out = append(out, &r)
		}
	}
	return out
}

// demoSchools gives each township a central primary school, each county a
// middle school, each prefecture a city high school that hosts remote
// classes, and a quarter of the villages a teaching point; school1's
// village always has one, and it is school1's.
func demoSchools(rng *rand.Rand, p *Province, start int, today time.Time) []*connect.School {
	rural := shareCurve(0.79, 0.987, connectYears)
	var out []*connect.School
	add := func(r *region.Region, prefix, suffix string, lvl connect.Level, students int, shares []float64) *connect.School {
		sc := &connect.School{Code: prefix + r.Code, Name: r.Name + suffix, Region: r.Code, Level: lvl, Students: students,
			Teachers: students/18 + 1, Connection: connect.None}
		if y, ok := arrival(rng, start, shares); ok {
			sc.Since = dayIn(rng, y, today).Format(time.DateOnly)
			sc.Connection, sc.Bandwidth = connect.Fibre, 100
			if rng.IntN(6) == 0 {
				sc.Connection, sc.Bandwidth = connect.Mobile, 0
			}
			sc.Devices = students/8 + rng.IntN(10)
		}
		out = append(out, sc)
		return sc
	}
	schoolVillage := ""
	for _, a := range p.Accounts {
		if a.Role == tide.RoleSchool {
			schoolVillage = a.Scope
		}
	}
	for _, r := range p.Regions {
		switch r.Level {
		case region.Prefecture:
			sc := add(r, "H", "第一中学", connect.High, 1500+rng.IntN(1500), []float64{1})
			sc.Connection, sc.Bandwidth, sc.Since = connect.Fibre, 1000, fmt.Sprintf("%d-09-01", start-3)
		case region.County:
			add(r, "M", "中学", connect.Middle, 400+rng.IntN(800), shareCurve(0.9, 1, connectYears))
		case region.Township:
			add(r, "P", "中心小学", connect.Primary, 150+rng.IntN(450), rural)
		case region.Village:
			if r.Code == schoolVillage || rng.IntN(4) == 0 {
				sc := add(r, "T", "教学点", connect.Teaching, 10+rng.IntN(50), shareCurve(0.6, 0.97, connectYears))
				if r.Code == schoolVillage {
					sc.Account = p.UserIDs["school1"]
				}
			}
		}
	}
	return out
}

// makeClasses has each city high school give English and music to village
// classrooms twice a week, from three weeks ago to two weeks ahead.
func makeClasses(ctx context.Context, rng *rand.Rand, svc *connect.Service, p *Province, schools []*connect.School, today time.Time) error {
	monday := today.AddDate(0, 0, -(int(today.Weekday())+6)%7)
	var hosts []*connect.School
	byPref := map[string][]*connect.School{}
	var own *connect.School
	for _, sc := range schools {
		switch {
		case sc.Level == connect.High:
			hosts = append(hosts, sc)
		case sc.Account != 0:
			own = sc
		case sc.Connection != connect.None && sc.Level != connect.Middle:
			byPref[sc.Region[:4]] = append(byPref[sc.Region[:4]], sc)
		}
	}
	subjects := []struct {
		name, teacher string
		day, hour     int
	}{{"English", "Ms Wang", 1, 9}, {"Music", "Mr Zhao", 3, 10}}
	for _, h := range hosts {
		joiners := byPref[h.Region]
		rng.Shuffle(len(joiners), func(i, j int) { joiners[i], joiners[j] = joiners[j], joiners[i] })
		joiners = joiners[:min(len(joiners), 5)]
		if own != nil && own.Region[:4] == h.Region {
			joiners = append(joiners, own)
		}
		for week := -3; week <= 2; week++ {
			for _, sub := range subjects {
				c := &connect.Class{Host: h.Code, Subject: sub.name, Teacher: sub.teacher, Minutes: 45,
					Starts: monday.AddDate(0, 0, 7*week+sub.day).Add(time.Duration(sub.hour) * time.Hour),
					Stream: "https://stream.tide.example/" + h.Code + "/" + sub.name}
				if err := svc.CreateClass(ctx, c); err != nil {
					return fmt.Errorf("class: %w", err)
				}
				p.Classes++
				for _, j := range joiners {
					if _, err := svc.Join(ctx, c.ID, j.Code); err != nil {
						return fmt.Errorf("join: %w", err)
					}
					if c.Starts.Before(today) {
						pupils := min(j.Students, 25+rng.IntN(20))
						if _, err := svc.Attend(ctx, c.ID, j.Code, pupils-rng.IntN(pupils/8+1)); err != nil {
							return fmt.Errorf("attendance: %w", err)
						}
					}
				}
			}
		}
	}
	return nil
}

// makeShapes draws every region as a piece of its parent's rectangle, in
// columns of uneven widths cut into rows of uneven heights, so each child
// lies inside its parent and the children tile it.
func makeShapes(ctx context.Context, rng *rand.Rand, svc *geo.Service, p *Province) error {
	rects := map[string]geo.Frame{ProvinceCode: province}
	children := map[string][]string{}
	for _, r := range p.Regions {
		if r.Parent != "" {
			children[r.Parent] = append(children[r.Parent], r.Code)
		}
	}
	var out []*geo.Boundary
	for _, r := range p.Regions { // parents come before their children
		f := rects[r.Code]
		out = append(out, &geo.Boundary{Region: r.Code, Polygons: []geo.Polygon{{{
			{f.MinX, f.MinY}, {f.MaxX, f.MinY}, {f.MaxX, f.MaxY}, {f.MinX, f.MaxY}, {f.MinX, f.MinY}}}}})
		for code, cell := range tile(rng, f, children[r.Code]) {
			rects[code] = cell
		}
	}
	_, err := svc.Save(ctx, out)
	return err
}

// tile cuts f into one cell per code.
func tile(rng *rand.Rand, f geo.Frame, codes []string) map[string]geo.Frame {
	out := map[string]geo.Frame{}
	n := len(codes)
	if n == 0 {
		return out
	}
	w, h := f.MaxX-f.MinX, f.MaxY-f.MinY
	cols := min(n, max(1, int(math.Round(math.Sqrt(float64(n)*w/h)))))
	uneven := func(k int) []float64 {
		ws, sum := make([]float64, k), 0.0
		for i := range ws {
			ws[i] = 0.7 + 0.6*rng.Float64()
			sum += ws[i]
		}
		for i := range ws {
			ws[i] /= sum
		}
		return ws
	}
	colW := uneven(cols)
	x, next := f.MinX, 0
	for c := range cols {
		rows := (n - next) / (cols - c)
		rowH := uneven(rows)
		y := f.MaxY
		x2 := x + w*colW[c]
		if c == cols-1 {
			x2 = f.MaxX
		}
		for r := range rows {
			y2 := y - h*rowH[r]
			if r == rows-1 {
				y2 = f.MinY
			}
			out[codes[next]] = geo.Frame{MinX: x, MinY: y2, MaxX: x2, MaxY: y}
			next++
			y = y2
		}
		x = x2
	}
	return out
}
