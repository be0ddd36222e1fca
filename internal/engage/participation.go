package engage

import (
	"context"
	"time"

	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
)

// Participation is what the public did in a region over a period: of the
// public accounts that live there, how many bought from a live room, how
// many donated to a need, how many liked a live room, a product or a need,
// how many made a share, and how many did at least one of these — the
// platform's own count of the share of people who took part.
type Participation struct {
	Region string    `json:"region"`
	Name   string    `json:"name,omitempty"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// Public counts the public accounts whose home region lies in Region
	// (at the root: every public account, home region said or not).
	Public       int `json:"public"`
	Purchased    int `json:"purchased"`
	Donated      int `json:"donated"`
	Liked        int `json:"liked"`
	Shared       int `json:"shared"`
	Participants int `json:"participants"`
	// Rate is Participants / Public, 0 when there is nobody.
	Rate     float64         `json:"rate"`
	Children []Participation `json:"children,omitempty"`
}

// ParticipationStore counts the public's actions by home region prefix over
// [from, to): orders not cancelled, donations paid (refunded ones count:
// the donor took part), likes standing and shares made.
type ParticipationStore interface {
	CountParticipation(ctx context.Context, prefix string, from, to time.Time) (Participation, error)
}

// Participate measures participation in a region and in each of its child
// regions, for analysts, county officers and administrators within their
// scope. An empty region is the caller's own scope.
func Participate(ctx context.Context, st ParticipationStore, regions *region.Service, code string, from, to time.Time) (*Participation, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in to see participation")
	}
	if !a.HasAny(tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty) {
		return nil, tide.Errorf(tide.EFORBIDDEN, "your role may not see participation")
	}
	if !to.After(from) {
		return nil, tide.Invalid("to", "the period must end after it starts")
	}
	if to.Sub(from) > 10*366*24*time.Hour {
		return nil, tide.Invalid("from", "the period may be at most ten years")
	}
	if code == "" {
		code = a.Scope
	}
	if !a.Sees(code) {
		return nil, tide.NotFound("region")
	}
	p, err := st.CountParticipation(ctx, code, from, to)
	if err != nil {
		return nil, err
	}
	if code != "" {
		r, err := regions.Find(ctx, code)
		if err != nil {
			return nil, err
		}
		p.Name = r.Name
	}
	parent := code
	children, _, err := regions.List(ctx, region.Filter{Parent: &parent, Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, c := range children {
		cp, err := st.CountParticipation(ctx, c.Code, from, to)
		if err != nil {
			return nil, err
		}
		cp.Name = c.Name
		p.Children = append(p.Children, cp)
	}
	return &p, nil
}

// Finish fills the region, period and rate of counts read by a store.
func (p *Participation) Finish(prefix string, from, to time.Time) {
	p.Region, p.From, p.To = prefix, from.UTC(), to.UTC()
	if p.Public > 0 {
		p.Rate = float64(p.Participants) / float64(p.Public)
	}
}
