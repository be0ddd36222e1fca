// Package overview is the campaign at a glance: for any region, each of the
// campaign's figures over the years with its latest value, and the same
// figure for each child region, for the overview page, its map and the open
// data. It reads every figure through a Source, so it knows no other domain;
// a figure whose source is not wired is shown as not available.
package overview

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tide-project/tide/internal/region"
)

// The figures, in the order the overview shows them.
const (
	Headcount     = "headcount"
	Exits         = "exits"
	Monitoring    = "monitoring"
	Villages      = "villages_connected"
	Schools       = "schools_connected"
	MarketIncome  = "market_income"
	Donations     = "donations"
	Participation = "participation"
	Consultations = "consultations"
)

// Keys lists every figure.
var Keys = []string{Headcount, Exits, Monitoring, Villages, Schools, MarketIncome, Donations, Participation, Consultations}

// Unit is what a figure counts.
type Unit string

// The units of the figures.
const (
	Persons    Unit = "persons"
	Households Unit = "households"
	Share      Unit = "share" // 0 to 1
	Money      Unit = "money" // minor units of the campaign's currency
	Count      Unit = "count"
)

var units = map[string]Unit{Headcount: Persons, Exits: Households, Monitoring: Households, Villages: Share, Schools: Share,
	MarketIncome: Money, Donations: Money, Participation: Share, Consultations: Count}

// Query asks a source for a figure: for Region in each of Years, and for
// each of Children in the last year.
type Query struct {
	Region   string
	Children []string
	Years    []int
	// Today is the end of the last year's period; earlier years end on
	// 1 January of the year after.
	Today time.Time
}

// End returns when the period of Years[i] ends: the year's end, or Today
// for the current year.
func (q Query) End(i int) time.Time {
	end := time.Date(q.Years[i]+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if end.After(q.Today) {
		return q.Today
	}
	return end
}

// Year returns the index in Years of the year t falls in, or -1.
func (q Query) Year(t time.Time) int {
	for i, y := range q.Years {
		if t.Year() == y && !t.After(q.Today) {
			return i
		}
	}
	return -1
}

// Child returns the index of the child whose code starts code, or -1.
func (q Query) Child(code string) int {
	for i, c := range q.Children {
		if strings.HasPrefix(code, c) {
			return i
		}
	}
	return -1
}

// Series is a source's answer: Values by year, Children's values in the
// last year. Current, when set, is the figure's value today where it is
// not the last year's (a list's size today, against the cases opened each
// year); Children then hold today's values too.
type Series struct {
	Values   []float64
	Children []float64
	Current  *float64
}

// NewSeries returns a zero series shaped for q.
func NewSeries(q Query) *Series {
	return &Series{Values: make([]float64, len(q.Years)), Children: make([]float64, len(q.Children))}
}

// Source answers one figure. A figure is a stock at the end of each period
// (a headcount) or a flow over it (exits in the year), as the figure means.
type Source interface {
	Figure(ctx context.Context, q Query) (*Series, error)
}

// SourceFunc is a function that is a Source.
type SourceFunc func(ctx context.Context, q Query) (*Series, error)

// Figure calls f.
func (f SourceFunc) Figure(ctx context.Context, q Query) (*Series, error) { return f(ctx, q) }

// Regions reads the region tree.
type Regions interface {
	FindRegion(ctx context.Context, code string) (*region.Region, error)
	FindRegions(ctx context.Context, f region.Filter) ([]*region.Region, int, error)
}

// Point is a figure's value in one year.
type Point struct {
	Year  int     `json:"year"`
	Value float64 `json:"value"`
}

// Figure is one figure of a region: its latest value and its trend.
type Figure struct {
	Key  string `json:"key"`
	Unit Unit   `json:"unit"`
	// Available is false when the figure's source is not wired.
	Available bool    `json:"available"`
	Value     float64 `json:"value"`
	Trend     []Point `json:"trend,omitempty"`
}

// Child is a child region and its figures' latest values, keyed by figure.
type Child struct {
	Code   string             `json:"code"`
	Name   string             `json:"name"`
	Values map[string]float64 `json:"values"`
}

// Overview is a region's figures and its children's.
type Overview struct {
	Region string `json:"region"`
	Name   string `json:"name"`
	Level  string `json:"level,omitempty"`
	// Trail is the chain of regions from the top down to the parent.
	Trail []Child `json:"trail,omitempty"`
	// AsOf is the date of the data.
	AsOf     string   `json:"as_of"`
	Currency string   `json:"currency"`
	Figures  []Figure `json:"figures"`
	Children []Child  `json:"children"`
}

// Figure returns the figure with key.
func (o *Overview) Figure(key string) *Figure {
	for i := range o.Figures {
		if o.Figures[i].Key == key {
			return &o.Figures[i]
		}
	}
	return nil
}

// Service composes overviews from the sources, keeping each for a minute:
// the figures are aggregates of a day, and a public page may be busy.
type Service struct {
	Regions Regions
	// Sources gives each figure; a key without a source is not available.
	Sources  map[string]Source
	Currency string
	// Years is how many years the trends cover.
	Years int
	Now   func() time.Time
	// TTL is how long an overview is reused.
	TTL time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	o  *Overview
	at time.Time
}

// New returns a service with the regions and sources given.
func New(regions Regions, sources map[string]Source, currency string) *Service {
	return &Service{Regions: regions, Sources: sources, Currency: currency, Years: 7, Now: time.Now, TTL: time.Minute}
}

// Overview returns a region's overview (the whole tree's when code is
// empty). It carries aggregates only, so anyone may read it.
func (s *Service) Overview(ctx context.Context, code string) (*Overview, error) {
	now := s.Now().UTC()
	s.mu.Lock()
	c, ok := s.cache[code]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < s.TTL {
		return c.o, nil
	}
	o, err := s.build(ctx, code, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.cache == nil || len(s.cache) > 10_000 {
		s.cache = map[string]cached{}
	}
	s.cache[code] = cached{o, now}
	s.mu.Unlock()
	return o, nil
}

func (s *Service) build(ctx context.Context, code string, now time.Time) (*Overview, error) {
	o := &Overview{Region: code, AsOf: now.Format(time.DateOnly), Currency: s.Currency, Children: []Child{}}
	if code != "" {
		r, err := s.Regions.FindRegion(ctx, code)
		if err != nil {
			return nil, err
		}
		o.Name, o.Level = r.Name, string(r.Level)
		for p := r.Parent; p != ""; {
			pr, err := s.Regions.FindRegion(ctx, p)
			if err != nil {
				return nil, fmt.Errorf("overview of %s: parent %s: %w", code, p, err)
			}
			o.Trail = append([]Child{{Code: pr.Code, Name: pr.Name}}, o.Trail...)
			p = pr.Parent
		}
	}
	kids, _, err := s.Regions.FindRegions(ctx, region.Filter{Parent: &code, Limit: 500})
	if err != nil {
		return nil, err
	}
	q := Query{Region: code, Today: now}
	for y := now.Year() - s.Years + 1; y <= now.Year(); y++ {
		q.Years = append(q.Years, y)
	}
	for _, k := range kids {
		q.Children = append(q.Children, k.Code)
		o.Children = append(o.Children, Child{Code: k.Code, Name: k.Name, Values: map[string]float64{}})
	}
	for _, key := range Keys {
		f := Figure{Key: key, Unit: units[key]}
		src := s.Sources[key]
		if src == nil {
			o.Figures = append(o.Figures, f)
			continue
		}
		series, err := src.Figure(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("overview of %q: %s: %w", code, key, err)
		}
		f.Available = true
		for i, y := range q.Years {
			f.Trend = append(f.Trend, Point{Year: y, Value: series.Values[i]})
		}
		f.Value = series.Values[len(series.Values)-1]
		if series.Current != nil {
			f.Value = *series.Current
		}
		for i := range o.Children {
			o.Children[i].Values[key] = series.Children[i]
		}
		o.Figures = append(o.Figures, f)
	}
	return o, nil
}

// Start is when the first year begins.
func (q Query) Start() time.Time { return time.Date(q.Years[0], 1, 1, 0, 0, 0, 0, time.UTC) }
