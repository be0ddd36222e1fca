package demo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/tide-project/tide/internal/registry"
)

// The households step registers the province's poor households and replays
// their campaign through the registry service, with a copy of the service
// whose clock is moved to each moment: registration drives, assistance,
// exits, the return-to-poverty screen and the county's follow-up of the
// cases it flags. Every write goes through the service's rules and audit;
// the batch forms keep the writes to a few dozen transactions.
//
// The counties are split into two streams replayed side by side, each with
// its own random source drawn from the step's, so the households are the
// same on every run while one stream's reading and checking overlap the
// other's writing.

// streams is how many groups of counties are replayed side by side.
const streams = 2

// plan is one household and what the generator decided for it.
type plan struct {
	h    *registry.Household
	area area
	kind householdKind
	// exiting is set once an exit was proposed and accepted.
	exiting bool
}

type eventKind int

// Event kinds, in the order they run when they fall on the same moment.
const (
	evAssist eventKind = iota
	evPropose
	evReview
	evCheck
	evApprove
	evRecord // an exit of a past year's round, recorded whole
	evScreen
	evWatch
)

// phase is the stage of the replay an event belongs to: the measures, the
// past exit rounds, then the last months in time order (this year's round,
// the screen and its follow-up).
func phase(k eventKind) int {
	switch k {
	case evAssist:
		return 0
	case evRecord:
		return 1
	}
	return 2
}

var exitSteps = map[eventKind]string{evReview: "review", evCheck: "check", evApprove: "approve"}

// event is one write of the campaign: what, when, and for which household.
type event struct {
	at      time.Time
	kind    eventKind
	plan    int32
	measure int32     // index into generator.measures, for evAssist
	step    string    // for evWatch
	started time.Time // for evRecord: when the exit was proposed
}

// generator draws and replays one stream of counties.
type generator struct {
	today   time.Time
	start   time.Time // registration opens
	policy  string    // the exit policy
	posting time.Duration
	rng     *rand.Rand
	ids     *idNumbers

	areas    []area // the stream's villages
	counts   []int  // households in each
	counties []string

	plans    []*plan
	measures []registry.Assistance
	events   []event

	// What the stream drew and wrote.
	done struct {
		persons, measures, proposed, approved, flagged int
		poorFirstYear, poorNow                         int // households below the line
	}
}

// at returns a moment of the campaign: day days into month m, at hour.
func (g *generator) at(m, day, hour int) time.Time {
	return g.start.AddDate(0, m, day).Add(time.Duration(hour) * time.Hour)
}

func (g *generator) months() int { return campaignYears * 12 }

// makeHouseholds is the households step.
func makeHouseholds(ctx context.Context, rng *rand.Rand, svc Services, p *Province) error {
	if p.Shape.Households <= 0 || svc.Registry == nil {
		return nil
	}
	// The step allocates fast for a few seconds; the collector runs half as
	// often meanwhile (unless told to run less often still).
	if prev := debug.SetGCPercent(200); prev >= 0 && prev < 200 {
		defer debug.SetGCPercent(prev)
	} else {
		debug.SetGCPercent(prev)
	}
	reg := svc.Registry
	today := reg.Now().UTC().Truncate(24 * time.Hour)
	areas := remoteness(rng, p)
	counts := spreadHouseholds(rng, areas, p.Shape.Households)
	gens := make([]*generator, 0, streams)
	for _, group := range splitCounties(areas, counts, streams) {
		g := &generator{today: today, start: today.AddDate(-campaignYears, 0, 0), policy: reg.ExitPolicy,
			posting: time.Duration(reg.PostingDays) * 24 * time.Hour, rng: rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())),
			ids: newIDNumbers(p.Shape.Households * 2)}
		for _, i := range group {
			g.areas, g.counts = append(g.areas, areas[i]), append(g.counts, counts[i])
			if n := len(g.counties); n == 0 || g.counties[n-1] != areas[i].county {
				g.counties = append(g.counties, areas[i].county)
			}
		}
		gens = append(gens, g)
	}
	errs := make([]error, len(gens))
	var wg sync.WaitGroup
	for i, g := range gens {
		wg.Go(func() { errs[i] = g.replay(ctx, reg) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	byStatus, err := reg.CountByStatus(ctx, ProvinceCode)
	if err != nil {
		return err
	}
	p.ByStatus = byStatus
	for _, g := range gens {
		p.Households += len(g.plans)
		p.Persons += g.done.persons
		p.PoorFirstYear += g.done.poorFirstYear
		p.PoorNow += g.done.poorNow
		p.Measures += g.done.measures
		p.ExitsApproved += g.done.approved
		p.ExitsOpen += g.done.proposed - g.done.approved
		p.Flagged += g.done.flagged
	}
	if svc.Out != nil {
		fmt.Fprintln(svc.Out, p.HouseholdSummary())
	}
	return nil
}

// splitCounties divides the villages, county by county, into n groups of
// about as many households each, and returns the villages' indices.
func splitCounties(areas []area, counts []int, n int) [][]int {
	var order []string
	byCounty := map[string][]int{}
	size := map[string]int{}
	for i, a := range areas {
		if _, ok := byCounty[a.county]; !ok {
			order = append(order, a.county)
		}
		byCounty[a.county] = append(byCounty[a.county], i)
		size[a.county] += counts[i]
	}
	slices.SortStableFunc(order, func(x, y string) int { return cmp.Compare(size[y], size[x]) })
	groups, load := make([][]int, n), make([]int, n)
	for _, c := range order {
		g := slices.Index(load, slices.Min(load))
		groups[g] = append(groups[g], byCounty[c]...)
		load[g] += size[c]
	}
	for _, g := range groups {
		slices.Sort(g)
	}
	return groups
}

// HouseholdSummary is one line on the generated households.
func (p *Province) HouseholdSummary() string {
	return fmt.Sprintf("Demo households: %d households, %d persons in %d villages (identified %d, assisted %d, exited %d, "+
		"monitored %d, returned %d); %d below the 4,000-yuan line in their first year, %d now; %d assistance measures, "+
		"%d exits approved and %d under way, %d flagged by the return-to-poverty screen.",
		p.Households, p.Persons, len(p.Villages), p.ByStatus[registry.Identified], p.ByStatus[registry.Assisted],
		p.ByStatus[registry.Exited], p.ByStatus[registry.Monitored], p.ByStatus[registry.Returned], p.PoorFirstYear, p.PoorNow,
		p.Measures, p.ExitsApproved, p.ExitsOpen, p.Flagged)
}

// registration is a batch of households registered at one moment.
type registration struct {
	at         time.Time
	households []*registry.Household
}

// registerBatch is how many households one registration write carries.
const registerBatch = 5000

// plan draws the stream's households, cohort by cohort, sending each
// cohort's households to out in batches as they are drawn, and schedules the
// rest of the campaign. It closes out.
func (g *generator) plan(out chan<- registration) {
	defer close(out)
	rng := g.rng
	cadres := make([][]registry.Cadre, len(g.areas))
	cohorts := make([][campaignYears]int, len(g.areas))
	for vi := range g.areas {
		cadres[vi] = make([]registry.Cadre, 2+rng.IntN(5))
		for i := range cadres[vi] {
			sex := []string{"m", "f"}[rng.IntN(2)]
			cadres[vi][i] = registry.Cadre{Name: personName(rng, "", sex), Phone: mobile(rng)}
		}
		// Most households registered in the first year's drive, the rest in
		// the yearly reviews after it.
		for range g.counts[vi] {
			cohorts[vi][pick(rng.Float64(), []float64{0.55, 0.70, 0.80, 0.88, 0.94}, []int{0, 1, 2, 3, 4, 5})]++
		}
	}
	paired := make([]int, len(g.areas))
	for c := range campaignYears {
		m := 12*c + 2 // the drive is in the third month of each year
		var batch []*registry.Household
		for vi, a := range g.areas {
			for range cohorts[vi][c] {
				batch = append(batch, g.household(rng, a, cadres[vi][paired[vi]%len(cadres[vi])], m))
				paired[vi]++
				if len(batch) == registerBatch {
					out <- registration{g.at(m, 0, 9), batch}
					batch = nil
				}
			}
		}
		if len(batch) > 0 {
			out <- registration{g.at(m, 0, 9), batch}
		}
	}
	// The screen runs once, after this year's approvals: a county that
	// screened today would flag no one new.
	g.events = append(g.events, event{at: g.today.AddDate(0, 0, -30).Add(10 * time.Hour), kind: evScreen})
	// The writes after registration run phase by phase, each in time order:
	// every measure, the past exit rounds, then this year's round, the screen
	// and its follow-up. Each household's own story stays in order (its
	// first measure comes before its exit, and a measure moves only an
	// identified household), and the writes of one kind sit together, so
	// each transaction carries more. Stable, so events of one moment keep
	// the order they were drawn in.
	slices.SortStableFunc(g.events, func(x, y event) int {
		if c := cmp.Compare(phase(x.kind), phase(y.kind)); c != 0 {
			return c
		}
		if c := x.at.Compare(y.at); c != 0 {
			return c
		}
		return cmp.Compare(x.kind, y.kind)
	})
}

// household draws one household registered in month m of the campaign and
// schedules its measures and exit.
//
// The calendar is coarse on purpose, as the campaign's was: households
// register in a yearly drive, measures are entered twice a year (each with
// the date it was given) and counties take exit decisions in a yearly
// round, so each is one batch write.
func (g *generator) household(rng *rand.Rand, a area, cadre registry.Cadre, m int) *registry.Household {
	regAt := g.at(m, 0, 9)
	kind := pick(rng.Float64(), []float64{0.68, 0.84}, []int{int(ableFamily), int(sickFamily), int(elderlyHome)})
	ps := g.family(rng, a, householdKind(kind), regAt)
	h := &registry.Household{Village: a.village, Cadre: cadre}
	years := g.today.Sub(regAt).Hours() / 24 / 365.25
	if first := facts(rng, h, ps, a, householdKind(kind), years); first < incomeLine {
		g.done.poorFirstYear++
	}
	if h.IncomePerPerson < fen(incomeLine) {
		g.done.poorNow++
	}
	pl := &plan{h: h, area: a, kind: householdKind(kind)}
	idx := int32(len(g.plans))
	g.plans = append(g.plans, pl)

	// Measures, given on some day of a month and entered at the end of its
	// half-year: none yet for some of the newest households.
	if years < 1 && rng.IntN(100) < 45 || years < 1.5 && rng.IntN(100) < 8 {
		return h
	}
	last := g.months() - 1
	firstM := min(m+1+rng.IntN(4), last)
	for i, k := range g.measureKinds(rng, pl, ps) {
		mm := firstM
		if i > 0 {
			mm = firstM + rng.IntN(max(1, last-firstM))
		}
		given := g.at(mm, rng.IntN(28), 0)
		entered := g.at(mm-mm%6+6, 0, 10)
		if entered.After(g.today) {
			entered = g.today.Add(-14 * time.Hour)
		}
		if given.After(entered) {
			continue
		}
		g.measures = append(g.measures, measure(rng, k, given))
		g.events = append(g.events, event{at: entered, kind: evAssist, plan: idx, measure: int32(len(g.measures) - 1)})
	}

	// An exit for most of those who meet the standard, a year or more after
	// help began; a few are still under way today, at each stage.
	chance := 70
	if h.IncomePerPerson < fen(1.5*incomeLine) {
		chance = 40 // not yet stable: most counties waited
	}
	if !mayExit(g.policy, h) || rng.IntN(100) >= chance {
		return h
	}
	// Counties decide exits in a yearly round, in the eleventh month, most in
	// the campaign's middle years and none before a year of help. Past
	// years' rounds are recorded whole; this year's is going through the
	// workflow now, a few households still at each stage.
	year := pick(rng.Float64(), []float64{0.10, 0.36, 0.68, 0.94}, []int{1, 2, 3, 4, 5})
	for firstEntered := firstM - firstM%6 + 6; 12*year+10 < firstEntered+6; {
		year++ // at least half a year of help on record before the round
	}
	switch current := campaignYears - 1; {
	case year > current:
		return h
	case year == current:
		// Most of this year's round was approved before the screen; the
		// rest is still under way: proposed, reviewed, or posted.
		days := pick(rng.Float64(), []float64{0.7, 0.8, 0.9}, []int{70, 14, 6, 2})
		steps := g.exitSteps(g.today.AddDate(0, 0, -days).Add(9 * time.Hour))
		if days != 70 {
			steps = steps[:3] // the approval, if any, comes after today
		}
		for i, st := range steps {
			if st.At.After(g.today) {
				break
			}
			g.events = append(g.events, event{at: st.At, kind: evPropose + eventKind(i), plan: idx})
		}
	default:
		propose := g.at(12*year+10, 4, 9)
		g.events = append(g.events, event{at: g.exitSteps(propose)[3].At, kind: evRecord, plan: idx, started: propose})
	}
	return h
}

// exitSteps returns the workflow's steps for an exit proposed at propose:
// the village committee proposes, the villagers' representatives review,
// the township checks and posts it, and the county approves it the day
// after the posting ends.
func (g *generator) exitSteps(propose time.Time) []registry.ExitStep {
	review := propose.Add(3 * 24 * time.Hour)
	check := review.Add(6 * 24 * time.Hour)
	return []registry.ExitStep{
		{Stage: registry.StageProposed, Actor: "村民委员会", At: propose, Note: stepNotes["propose"]},
		{Stage: registry.StageVillageReviewed, Actor: "村民代表大会", At: review, Note: stepNotes["review"]},
		{Stage: registry.StagePosted, Actor: "乡镇人民政府", At: check, Note: stepNotes["check"]},
		{Stage: registry.StageApproved, Actor: "县扶贫开发领导小组", At: check.Add(g.posting + 24*time.Hour), Note: stepNotes["approve"]},
	}
}
