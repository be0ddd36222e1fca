package overview

import (
	"context"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
)

type tree map[string]*region.Region

func (t tree) FindRegion(_ context.Context, code string) (*region.Region, error) {
	if r, ok := t[code]; ok {
		return r, nil
	}
	return nil, tide.NotFound("region")
}

func (t tree) FindRegions(_ context.Context, f region.Filter) ([]*region.Region, int, error) {
	var out []*region.Region
	for _, r := range t {
		if f.Parent != nil && r.Parent == *f.Parent {
			out = append(out, r)
		}
	}
	return out, len(out), nil
}

// TestOverview composes figures from sources: a figure without a source is
// not available, a source's current value wins over its last year, and
// children get their values; the overview is reused within its TTL.
func TestOverview(t *testing.T) {
	regions := tree{"52": {Code: "52", Name: "P", Level: region.Province},
		"5201": {Code: "5201", Name: "A", Level: region.Prefecture, Parent: "52"}}
	calls := 0
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	counted := SourceFunc(func(_ context.Context, q Query) (*Series, error) {
		calls++
		if q.End(len(q.Years)-1) != now || q.End(0) != time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC) {
			t.Errorf("periods end %v … %v", q.End(0), q.End(len(q.Years)-1))
		}
		s := NewSeries(q)
		for i, y := range q.Years {
			s.Values[i] = float64(y - 2000)
		}
		s.Children[q.Child("520101")] = 7
		return s, nil
	})
	open := 3.0
	listed := SourceFunc(func(_ context.Context, q Query) (*Series, error) {
		s := NewSeries(q)
		s.Current = &open
		return s, nil
	})
	svc := New(regions, map[string]Source{Headcount: counted, Monitoring: listed}, "CNY")
	svc.Now = func() time.Time { return now }
	o, err := svc.Overview(context.Background(), "52")
	if err != nil {
		t.Fatal(err)
	}
	if h := o.Figure(Headcount); !h.Available || h.Value != 26 || len(h.Trend) != 7 || h.Trend[0].Year != 2020 {
		t.Errorf("headcount = %+v, want 26 now and a trend from 2020", h)
	}
	if m := o.Figure(Monitoring); m.Value != 3 {
		t.Errorf("monitoring = %v, want the list's 3 today", m.Value)
	}
	if c := o.Figure(Consultations); c.Available {
		t.Error("consultations are available without a source")
	}
	if len(o.Children) != 1 || o.Children[0].Values[Headcount] != 7 || o.AsOf != "2026-03-10" {
		t.Errorf("children = %+v, as of %s", o.Children, o.AsOf)
	}
	if _, err := svc.Overview(context.Background(), "52"); err != nil || calls != 1 {
		t.Errorf("a second read within the TTL called the source again (%d calls), %v", calls, err)
	}
	if _, err := svc.Overview(context.Background(), "99"); tide.ErrorCode(err) != tide.ENOTFOUND {
		t.Errorf("unknown region: %v, want not found", err)
	}
}
