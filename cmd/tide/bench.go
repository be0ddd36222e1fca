package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tide-project/tide/internal/measure"
	"github.com/tide-project/tide/internal/sqlstore"
)

// benchPostgresEnv names the variable that, like --postgres, adds
// PostgreSQL to `tide bench measure`.
const benchPostgresEnv = "TIDE_BENCH_POSTGRES"

// benchOptions are the flags of `tide bench measure`.
type benchOptions struct {
	persons, sqlPersons int64
	seed                uint64
	postgres, sqlite    string
	county              string
	runs, countyRuns    int
}

func runBench(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "livesale" {
		return runBenchLivesale(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "livesale-viewers" {
		return runBenchViewers(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "livesale-buyers" {
		return runBenchBuyers(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "match" {
		return runBenchMatch(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "likes" {
		return runBenchLikes(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "measure" {
		return usageError{"want: tide bench measure --persons N, tide bench livesale --buyers N, tide bench match --n N, or tide bench likes"}
	}
	o := benchOptions{persons: 10_000_000, sqlPersons: 10_000_000, seed: 1, runs: 5, countyRuns: 1000,
		postgres: env.Getenv(benchPostgresEnv)}
	fs := flag.NewFlagSet("tide bench measure", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Int64Var(&o.persons, "persons", o.persons, "persons in the synthetic registry")
	fs.Int64Var(&o.sqlPersons, "sql-persons", o.sqlPersons, "at most this many persons go into SQL")
	fs.Uint64Var(&o.seed, "seed", o.seed, "seed of the synthetic registry")
	fs.StringVar(&o.postgres, "postgres", o.postgres, "PostgreSQL URL")
	fs.StringVar(&o.sqlite, "sqlite", o.sqlite, "SQLite file")
	fs.StringVar(&o.county, "county", o.county, "county code")
	fs.IntVar(&o.runs, "runs", o.runs, "runs of each all-regions timing")
	fs.IntVar(&o.countyRuns, "county-runs", o.countyRuns, "runs of the in-memory county timing")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if o.persons < 1 || o.sqlPersons < 1 {
		errs = append(errs, errors.New("--persons and --sql-persons must be positive"))
	}
	if o.runs < 1 || o.countyRuns < 1 {
		errs = append(errs, errors.New("--runs and --county-runs must be positive"))
	}
	if o.postgres != "" && !strings.HasPrefix(o.postgres, "postgres://") && !strings.HasPrefix(o.postgres, "postgresql://") {
		errs = append(errs, fmt.Errorf("--postgres %q: want a postgres:// URL", o.postgres))
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err.Error()}
	}
	o.sqlPersons = min(o.sqlPersons, o.persons)
	return benchMeasure(ctx, env, o)
}

// benchRegistry is one synthetic registry with what building it cost.
type benchRegistry struct {
	persons    int64
	regions    []measure.Region
	ix         *measure.Index
	build      time.Duration
	heap       int64 // bytes the index holds after a collection
	all        timing
	allMap     timing
	county     timing
	answer     map[string]measure.Result // every region's Result, for the checks
	counties   int
	countyCode string // the county timed
}

// benchEngine is what one SQL engine did.
type benchEngine struct {
	name        string
	rows        int64
	load        time.Duration
	all, county timing
	compared    int
	mismatches  []string
}

func benchMeasure(ctx context.Context, env *Env, o benchOptions) error {
	out, p := env.Stdout, measure.SyntheticParams()
	fmt.Fprintf(out, "tide bench measure: %s persons, seed %d, %s, GOMAXPROCS %d, %d CPUs\n",
		thousands(o.persons), o.seed, runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(out, "measures: P0, P1, P2 below a line of %d; Alkire-Foster H, A, M0 with %d weighted indicators, k = %.4f\n",
		p.Line, len(p.Weights), p.K)
	big, err := benchIndex(ctx, env, o, o.persons, p, o.sqlPersons == o.persons)
	if err != nil {
		return err
	}
	small := big
	if o.sqlPersons < o.persons {
		fmt.Fprintf(out, "\nSQL gets a second registry of %s persons (--sql-persons): the index above is timed alone; "+
			"below, the index and SQL hold the same rows.\n", thousands(o.sqlPersons))
		big.ix, big.regions = nil, nil // let the big index go before the databases need the memory
		if small, err = benchIndex(ctx, env, o, o.sqlPersons, p, true); err != nil {
			return err
		}
	}

	county, lens := small.countyCode, prefixLens(small.regions)
	fmt.Fprintf(out, "\nSQL, %s persons: the same measures as one statement; a county is WHERE region >= '%s' AND region < "+
		"the next prefix (what LIKE '%s%%' becomes on an index) and returns its villages, townships and itself.\n",
		thousands(small.persons), county, county)
	var engines []benchEngine
	e, err := benchSQLite(ctx, env, o, small, p, lens, county)
	if err != nil {
		return err
	}
	engines = append(engines, e)
	if o.postgres == "" {
		fmt.Fprintln(out, "PostgreSQL: skipped (give --postgres URL)")
	} else {
		db, err := sqlstore.Open(ctx, o.postgres)
		if err != nil {
			return fmt.Errorf("postgresql: %w", err)
		}
		e, err := benchSQL(ctx, env, o, db, small, p, lens, county)
		db.Close()
		if err != nil {
			return fmt.Errorf("postgresql: %w", err)
		}
		engines = append(engines, e)
	}
	return benchSummary(out, big, small, engines)
}

// benchIndex builds a synthetic registry of persons with progress on stderr
// and times the index on it. keep keeps every region's answer for the SQL
// checks.
func benchIndex(ctx context.Context, env *Env, o benchOptions, persons int64, p measure.Params, keep bool) (*benchRegistry, error) {
	out := env.Stdout
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	pr := &progress{w: env.Stderr, label: "building registry of " + thousands(persons) + " persons"}
	start := time.Now()
	regions, ix := measure.Synthetic(persons, o.seed, pr.set)
	r := &benchRegistry{persons: persons, regions: regions, ix: ix, build: time.Since(start)}
	pr.done()
	runtime.GC()
	runtime.ReadMemStats(&after)
	r.heap = int64(after.HeapAlloc) - int64(before.HeapAlloc)
	r.counties = len(counties(regions))
	hh := ix.Households()
	fmt.Fprintf(out, "\nregistry of %s persons: %s households in %s regions (counties: %s), built in %s; "+
		"heap after GC %s, index and region list (%.0f bytes a household)\n", thousands(persons), thousands(int64(hh)),
		thousands(int64(len(regions))), thousands(int64(r.counties)), duration(r.build), mib(r.heap), float64(r.heap)/float64(max(hh, 1)))

	county, note := pickCounty(regions, o.county)
	if note != "" && persons == o.persons {
		return nil, usageError{note}
	} else if note != "" {
		fmt.Fprintln(out, note)
	}
	r.countyCode = county

	var all *measure.Measures
	var err error
	if r.all, err = timeRuns(ctx, o.runs, func() error { all, err = ix.MeasureAll(p); return err }); err != nil {
		return nil, err
	}
	if r.allMap, err = timeRuns(ctx, o.runs, func() error {
		all, err = ix.MeasureAll(p)
		if err == nil {
			r.answer = all.Map()
		}
		return err
	}); err != nil {
		return nil, err
	}
	if r.county, err = timeRuns(ctx, o.countyRuns, func() error { _, err := ix.Measure(county, p); return err }); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "index, %s persons, all %s regions: MeasureAll %s; MeasureAll + every Result in a map %s\n",
		thousands(persons), thousands(int64(all.Len())), r.all.detail(), r.allMap.detail())
	fmt.Fprintf(out, "index, %s persons, county %s with its townships (Measure): %s\n", thousands(persons), county, r.county.detail())
	if !keep {
		r.answer = nil
	}
	return r, nil
}

// benchSQLite runs the SQL side on a fresh temporary file, or on --sqlite.
func benchSQLite(ctx context.Context, env *Env, o benchOptions, r *benchRegistry, p measure.Params, lens []int, county string) (benchEngine, error) {
	path := o.sqlite
	if path == "" {
		dir, err := os.MkdirTemp("", "tide-bench-")
		if err != nil {
			return benchEngine{}, err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "bench.db")
	}
	db, err := sqlstore.Open(ctx, "sqlite:"+path)
	if err != nil {
		return benchEngine{}, fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	fmt.Fprintf(env.Stdout, "SQLite file: %s\n", path)
	e, err := benchSQL(ctx, env, o, db, r, p, lens, county)
	if err != nil {
		return e, fmt.Errorf("sqlite: %w", err)
	}
	return e, nil
}

// benchSQL loads r's households into a bench table of db, times the GROUP BY
// for all regions and for the county, checks its answers against the index
// and drops the table.
func benchSQL(ctx context.Context, env *Env, o benchOptions, db *sqlstore.DB, r *benchRegistry, p measure.Params, lens []int, county string) (e benchEngine, err error) {
	out := env.Stdout
	b, err := sqlstore.NewMeasureBench(ctx, db)
	if err != nil {
		return e, err
	}
	defer func() {
		if derr := b.Drop(context.WithoutCancel(ctx)); err == nil {
			err = derr
		}
	}()
	if e.name, err = b.Engine(ctx); err != nil {
		return e, err
	}
	hh := int64(r.ix.Households())
	fmt.Fprintf(out, "%s: query: %s\n", e.name, b.DescribeQuery())
	fmt.Fprintf(out, "%s: loading %s households: %s\n", e.name, thousands(hh), b.DescribeLoad())
	pr := &progress{w: env.Stderr, label: e.name + ": loading"}
	start := time.Now()
	e.rows, err = b.Load(ctx, r.ix.Each, func(n int64) { pr.set(n, hh) })
	e.load = time.Since(start)
	pr.done()
	if err != nil {
		return e, err
	}
	fmt.Fprintf(out, "%s: loaded %s rows in %s (%s rows/s)\n", e.name, thousands(e.rows), duration(e.load),
		thousands(int64(float64(e.rows)/e.load.Seconds())))

	// The first run of each query is the answer checked, and a warm-up.
	all, err := b.Measure(ctx, p, lens, "")
	if err != nil {
		return e, err
	}
	n, bad := compareAnswers(r.answer, all, "")
	e.compared, e.mismatches = n, bad
	one, err := b.Measure(ctx, p, lens, county)
	if err != nil {
		return e, err
	}
	n, bad = compareAnswers(r.answer, one, county)
	e.compared, e.mismatches = e.compared+n, append(e.mismatches, bad...)
	if e.all, err = timeRuns(ctx, o.runs, func() error { _, err := b.Measure(ctx, p, lens, ""); return err }); err != nil {
		return e, err
	}
	if e.county, err = timeRuns(ctx, max(o.countyRuns/10, 1), func() error { _, err := b.Measure(ctx, p, lens, county); return err }); err != nil {
		return e, err
	}
	fmt.Fprintf(out, "%s, %s persons, all %s regions: %s\n", e.name, thousands(r.persons), thousands(int64(len(all))), e.all.detail())
	fmt.Fprintf(out, "%s, %s persons, county %s (%d regions): %s\n", e.name, thousands(r.persons), county, len(one), e.county.detail())
	if len(e.mismatches) == 0 {
		fmt.Fprintf(out, "%s: answers match the index on %s regions (%s all-regions + %s county): persons, households and poor counts exactly; P0, P1, P2, H, A, M0 within 1e-9 relative\n",
			e.name, thousands(int64(e.compared)), thousands(int64(len(all))), thousands(int64(len(one))))
	} else {
		fmt.Fprintf(out, "%s: ANSWERS DIFFER from the index in %d of %s regions:\n", e.name, len(e.mismatches), thousands(int64(e.compared)))
		for _, m := range e.mismatches[:min(len(e.mismatches), 20)] {
			fmt.Fprintln(out, "  "+m)
		}
	}
	return e, nil
}

// benchSummary prints the side-by-side table and fails when any engine's
// answers differ from the index.
func benchSummary(out io.Writer, big, small *benchRegistry, engines []benchEngine) error {
	fmt.Fprintln(out, "\nsummary (best / median; all regions in memory = MeasureAll + every Result in a map, as SQL returns them):")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "engine\tpersons\tall regions\tone county\tload\tanswers")
	index := func(r *benchRegistry, answers string) {
		fmt.Fprintf(tw, "in-memory index\t%s\t%s\t%s\tbuild %s\t%s\n", thousands(r.persons), r.allMap, r.county, duration(r.build), answers)
	}
	index(big, "reference")
	if small != big {
		index(small, "reference")
	}
	var failed []string
	for _, e := range engines {
		answers := "match (" + thousands(int64(e.compared)) + " regions)"
		if len(e.mismatches) > 0 {
			answers = fmt.Sprintf("DIFFER (%d of %s regions)", len(e.mismatches), thousands(int64(e.compared)))
			failed = append(failed, e.name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.name, thousands(small.persons), e.all, e.county, duration(e.load), answers)
	}
	tw.Flush()
	fmt.Fprintf(out, "MeasureAll alone (every region's sums; Results derived on demand): %s for %s persons", big.all, thousands(big.persons))
	if small != big {
		fmt.Fprintf(out, ", %s for %s persons", small.all, thousands(small.persons))
	}
	fmt.Fprintf(out, "\nindex memory: %s for %s persons", mib(big.heap), thousands(big.persons))
	if small != big {
		fmt.Fprintf(out, ", %s for %s persons", mib(small.heap), thousands(small.persons))
	}
	fmt.Fprintln(out, " (heap after GC)")
	if len(failed) > 0 {
		return fmt.Errorf("answers of %s differ from the index", strings.Join(failed, " and "))
	}
	return nil
}

// counties returns the codes of the regions three levels below the root, in
// preorder: China's counties.
func counties(regions []measure.Region) []string {
	depth := map[string]int{"": 0}
	var out []string
	for _, r := range regions {
		d := depth[r.Parent] + 1
		depth[r.Code] = d
		if d == 3 {
			out = append(out, r.Code)
		}
	}
	return out
}

// pickCounty returns want when the registry has it, else its first county
// and a note saying so; want "" means the first county.
func pickCounty(regions []measure.Region, want string) (county, note string) {
	cs := counties(regions)
	if want != "" && slices.ContainsFunc(regions, func(r measure.Region) bool { return r.Code == want }) {
		return want, ""
	}
	if len(cs) > 0 {
		county = cs[0]
	}
	if want != "" {
		note = fmt.Sprintf("--county %q is not in the registry; county %s timed instead", want, county)
	}
	return county, note
}

// prefixLens returns the code lengths of every region with children, longest
// first, and 0 for the root: the levels SQL rolls village sums up to.
func prefixLens(regions []measure.Region) []int {
	lens := []int{0}
	for _, r := range regions {
		if r.Parent != "" && !slices.Contains(lens, len(r.Parent)) {
			lens = append(lens, len(r.Parent))
		}
	}
	slices.Sort(lens)
	slices.Reverse(lens)
	return lens
}

// compareAnswers holds got, the SQL answers for the regions under within, to
// want, the index's answers for every region: counts exactly, measures within
// 1e-9 relative. A region with no households is absent from SQL. It returns
// how many regions it compared and a line for each that differs.
func compareAnswers(want, got map[string]measure.Result, within string) (compared int, bad []string) {
	for code, w := range want {
		if !strings.HasPrefix(code, within) {
			continue
		}
		g, ok := got[code]
		if !ok && w.Households == 0 {
			continue
		}
		compared++
		if !ok {
			bad = append(bad, fmt.Sprintf("region %q: missing from SQL", code))
			continue
		}
		if g.Persons != w.Persons || g.Households != w.Households || g.PoorPersons != w.PoorPersons || g.MPIPoorPersons != w.MPIPoorPersons {
			bad = append(bad, fmt.Sprintf("region %q: persons/households/poor/MPI-poor %d/%d/%d/%d, index %d/%d/%d/%d", code,
				g.Persons, g.Households, g.PoorPersons, g.MPIPoorPersons, w.Persons, w.Households, w.PoorPersons, w.MPIPoorPersons))
		}
		for _, f := range []struct {
			name      string
			got, want float64
		}{{"P0", g.P0, w.P0}, {"P1", g.P1, w.P1}, {"P2", g.P2, w.P2}, {"H", g.MPI.H, w.MPI.H}, {"A", g.MPI.A, w.MPI.A}, {"M0", g.MPI.M0, w.MPI.M0}} {
			if math.Abs(f.got-f.want) > 1e-9*math.Max(math.Abs(f.got), math.Abs(f.want)) {
				bad = append(bad, fmt.Sprintf("region %q: %s %v, index %v", code, f.name, f.got, f.want))
			}
		}
	}
	for code := range got {
		if _, ok := want[code]; !ok || !strings.HasPrefix(code, within) {
			compared++
			bad = append(bad, fmt.Sprintf("region %q: in SQL only", code))
		}
	}
	slices.Sort(bad)
	return compared, bad
}

// timing is the best and median of a number of runs.
type timing struct {
	best, median time.Duration
	runs         int
}

func (t timing) String() string {
	return fmt.Sprintf("%s / %s", duration(t.best), duration(t.median))
}

// detail words t for a line of its own.
func (t timing) detail() string {
	return fmt.Sprintf("best %s, median %s (runs: %d)", duration(t.best), duration(t.median), t.runs)
}

// timeRuns runs fn runs times and returns the best and median time.
func timeRuns(ctx context.Context, runs int, fn func() error) (timing, error) {
	d := make([]time.Duration, runs)
	for i := range d {
		if err := ctx.Err(); err != nil {
			return timing{}, err
		}
		start := time.Now()
		if err := fn(); err != nil {
			return timing{}, err
		}
		d[i] = time.Since(start)
	}
	slices.Sort(d)
	return timing{best: d[0], median: (d[(runs-1)/2] + d[runs/2]) / 2, runs: runs}, nil
}

// progress writes a percentage line to a terminal, rewriting it in place.
type progress struct {
	w     io.Writer
	label string
	pct   int
	shown bool
}

func (p *progress) set(done, total int64) {
	pct := 100
	if total > 0 {
		pct = int(done * 100 / total)
	}
	if !p.shown || pct != p.pct {
		p.pct, p.shown = pct, true
		fmt.Fprintf(p.w, "\r%s: %3d%%", p.label, pct)
	}
}

func (p *progress) done() {
	if p.shown && p.pct == 100 {
		fmt.Fprintln(p.w)
		return
	}
	fmt.Fprintf(p.w, "\r%s: 100%%\n", p.label)
}

// duration words d with three significant digits in a fitting unit.
func duration(d time.Duration) string {
	switch s := d.Seconds(); {
	case s >= 1:
		return fmt.Sprintf("%.3g s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.3g ms", s*1e3)
	default:
		return fmt.Sprintf("%.3g µs", s*1e6)
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// thousands formats n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
