package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// replay draws the stream's households and writes its campaign through a
// copy of reg whose clock the replay moves.
func (g *generator) replay(ctx context.Context, reg *registry.Service) error {
	clock := g.today
	reg = reg.WithClock(func() time.Time { return clock })
	// Households are registered as they are drawn: the drawing feeds the
	// registry through a channel, so the two share the processors.
	chunks := make(chan registration, 1)
	registered := make(chan error, 1)
	go func() {
		var err error
		for r := range chunks {
			if err != nil {
				continue
			}
			clock = r.at
			err = reg.CreateMany(ctx, r.households, nil)
			// Registered, the members are the store's: the rest of the
			// replay names households by ref.
			for _, h := range r.households {
				g.done.persons += len(h.Members)
				h.Members, h.Indicators = nil, nil
			}
		}
		registered <- err
	}()
	g.plan(chunks)
	if err := <-registered; err != nil {
		return fmt.Errorf("register: %w", err)
	}
	return g.run(ctx, reg, &clock)
}

// run replays the events in order, grouping the events of one kind at one
// moment into one batch write.
func (g *generator) run(ctx context.Context, reg *registry.Service, clock *time.Time) error {
	evs := g.events
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && evs[j].kind == evs[i].kind && evs[j].at.Equal(evs[i].at) && evs[i].kind != evWatch {
			j++
		}
		*clock = evs[i].at
		batch := evs[i:j]
		var err error
		switch k := evs[i].kind; k {
		case evAssist:
			err = g.assist(ctx, reg, batch)
		case evPropose:
			err = g.propose(ctx, reg, batch)
		case evReview, evCheck, evApprove:
			err = g.advance(ctx, reg, batch, exitSteps[k])
		case evRecord:
			err = g.record(ctx, reg, batch)
		case evScreen:
			var more []event
			if more, err = g.screen(ctx, reg); err == nil && len(more) > 0 {
				// The follow-up joins the remaining events in time order.
				rest := append(slices.Clone(evs[j:]), more...)
				slices.SortStableFunc(rest, func(x, y event) int {
					if c := phase(x.kind) - phase(y.kind); c != 0 {
						return c
					}
					return x.at.Compare(y.at)
				})
				evs = append(evs[:j], rest...)
			}
		case evWatch:
			err = g.followUp(ctx, reg, g.plans[batch[0].plan].h.Ref, batch[0].step)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", evs[i].at.Format("2006-01-02"), err)
		}
		i = j
	}
	return nil
}

func (g *generator) refs(batch []event, exiting bool) []string {
	refs := make([]string, 0, len(batch))
	for _, e := range batch {
		if pl := g.plans[e.plan]; !exiting || pl.exiting {
			refs = append(refs, pl.h.Ref)
		}
	}
	return refs
}

func (g *generator) assist(ctx context.Context, reg *registry.Service, batch []event) error {
	ms := make([]registry.Assistance, len(batch))
	for i, e := range batch {
		ms[i] = g.measures[e.measure]
		ms[i].Household = g.plans[e.plan].h.Ref
	}
	for start := 0; start < len(ms); start += registry.MaxBatch {
		if err := reg.AssistMany(ctx, ms[start:min(start+registry.MaxBatch, len(ms))]); err != nil {
			return err
		}
	}
	g.done.measures += len(ms)
	return nil
}

// propose opens the batch's exits. Should the registry refuse one (under a
// policy the generator does not model), the others are proposed one by one
// and the refused ones stay where they are.
func (g *generator) propose(ctx context.Context, reg *registry.Service, batch []event) error {
	_, err := reg.ProposeExits(ctx, g.refs(batch, false), stepNotes["propose"])
	if err == nil {
		for _, e := range batch {
			g.plans[e.plan].exiting = true
		}
		g.done.proposed += len(batch)
		return nil
	}
	if tide.ErrorCode(err) != tide.EINVALID {
		return err
	}
	for _, e := range batch {
		pl := g.plans[e.plan]
		_, err := reg.ProposeExit(ctx, pl.h.Ref, stepNotes["propose"])
		if tide.ErrorCode(err) == tide.EINVALID {
			continue
		} else if err != nil {
			return err
		}
		pl.exiting = true
		g.done.proposed++
	}
	return nil
}

func (g *generator) advance(ctx context.Context, reg *registry.Service, batch []event, step string) error {
	refs := g.refs(batch, true)
	if len(refs) == 0 {
		return nil
	}
	if _, err := reg.AdvanceExits(ctx, refs, step, stepNotes[step]); err != nil {
		return err
	}
	if step == "approve" {
		g.done.approved += len(refs)
	}
	return nil
}

// record stores the exits of a past year's round, whole. Should the registry
// refuse them (under a policy the generator does not model), they are left
// out.
func (g *generator) record(ctx context.Context, reg *registry.Service, batch []event) error {
	in := make([]registry.PastExit, len(batch))
	for i, e := range batch {
		in[i] = registry.PastExit{Household: g.plans[e.plan].h.Ref, Steps: g.exitSteps(e.started)}
	}
	for start := 0; start < len(in); start += registry.MaxBatch {
		chunk := in[start:min(start+registry.MaxBatch, len(in))]
		if _, err := reg.RecordExits(ctx, chunk); tide.ErrorCode(err) == tide.EINVALID {
			continue
		} else if err != nil {
			return err
		}
		g.done.proposed += len(chunk)
		g.done.approved += len(chunk)
	}
	return nil
}

// screen runs the return-to-poverty screen over the stream's counties and
// schedules each county's follow-up of the cases it flagged: a visit for
// many, help and then clearance for some, and for a few the finding that
// they fell back.
func (g *generator) screen(ctx context.Context, reg *registry.Service) ([]event, error) {
	planOf := make(map[string]int32, len(g.plans))
	for i, pl := range g.plans {
		planOf[pl.h.Ref] = int32(i)
	}
	var out []event
	for _, county := range g.counties {
		n, err := reg.Screen(ctx, county)
		if err != nil {
			return nil, err
		}
		g.done.flagged += n
		for offset := 0; ; offset += 500 {
			ws, _, err := reg.Watches(ctx, county, true, offset, 500)
			if err != nil {
				return nil, err
			}
			if len(ws) == 0 {
				break
			}
			for _, w := range ws {
				idx, ok := planOf[w.Household]
				if !ok {
					continue
				}
				var steps []string
				switch u := g.rng.Float64(); {
				case u < 0.06:
					steps = []string{"visit", "return"}
				case u < 0.18:
					steps = []string{"visit", "assist", "clear"}
				case u < 0.33:
					steps = []string{"visit"}
				}
				for i, s := range steps {
					at := g.today.AddDate(0, 0, -25+10*i).Add(time.Duration(9+int(idx)%8) * time.Hour)
					out = append(out, event{at: at, kind: evWatch, plan: idx, step: s})
				}
			}
		}
	}
	return out, nil
}

// followUp takes one monitoring step for a household. Help comes with a
// measure on record, and a household is cleared once its income has
// recovered, so that screening it again would not list it.
func (g *generator) followUp(ctx context.Context, reg *registry.Service, ref, step string) error {
	switch step {
	case "assist":
		kind := []string{"employment", "health", "social_security"}[g.rng.IntN(3)]
		m := measure(g.rng, kind, reg.Now())
		if _, err := reg.Assist(ctx, ref, m); err != nil {
			return err
		}
		g.done.measures++
	case "clear":
		h, err := reg.Find(ctx, ref)
		if err != nil {
			return err
		}
		h.LastYearIncome = h.IncomePerPerson
		h.IncomePerPerson = max(h.IncomePerPerson, fen(1.6*incomeLine+2000*g.rng.Float64()))
		h.ShockCosts = 0
		if _, err := reg.Update(ctx, ref, h); err != nil {
			return err
		}
	}
	_, err := reg.WorkWatch(ctx, ref, step, stepNotes[step])
	return err
}
