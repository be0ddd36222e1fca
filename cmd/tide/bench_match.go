package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/tide-project/tide/internal/match"
)

// benchMatchScript solves an instance file with SciPy's
// linear_sum_assignment; see the file for its arguments and output.
//
//go:embed bench_match.py
var benchMatchScript string

// scipyCellLimit bounds the dense matrix a day instance expands into for
// SciPy: 2^27 cells, 1 GiB of int64 before SciPy's own float64 copy.
const scipyCellLimit = 1 << 27

// matchBenchOptions are the flags of `tide bench match`.
type matchBenchOptions struct {
	n      int
	span   int64
	seed   uint64
	day    match.DayParams
	dir    string
	python string
}

func runBenchMatch(ctx context.Context, env *Env, args []string) error {
	o := matchBenchOptions{n: 5000, span: 1_000_000, seed: 1, day: match.DefaultDay(), python: "/usr/bin/python3"}
	fs := flag.NewFlagSet("tide bench match", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&o.n, "n", o.n, "size of the n × n assignment instance (0: none)")
	fs.Int64Var(&o.span, "span", o.span, "assignment costs are drawn from [0, span)")
	fs.Uint64Var(&o.seed, "seed", o.seed, "seed of both instances")
	fs.IntVar(&o.day.Requests, "requests", o.day.Requests, "requests in the day instance (0: none)")
	fs.IntVar(&o.day.Specialists, "specialists", o.day.Specialists, "specialists in the day instance")
	fs.IntVar(&o.day.Slots, "slots", o.day.Slots, "slots of each specialist")
	fs.IntVar(&o.day.Specialties, "specialties", o.day.Specialties, "specialties")
	fs.IntVar(&o.day.Languages, "languages", o.day.Languages, "languages")
	fs.StringVar(&o.dir, "dir", o.dir, "folder for the instance files (default: a new temporary folder)")
	fs.StringVar(&o.python, "python", o.python, "Python with SciPy")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if o.n < 0 || o.n > 20_000 {
		errs = append(errs, errors.New("--n must be between 0 and 20,000"))
	}
	if o.span < 1 || o.span > 1<<40 {
		errs = append(errs, errors.New("--span must be between 1 and 2^40"))
	}
	if d := o.day; d.Requests < 0 || d.Requests > 10_000_000 || d.Specialists < 1 || d.Slots < 1 || d.Specialties < 1 ||
		d.Languages < 1 || d.Specialists*d.Slots > 10_000_000 {
		errs = append(errs, errors.New("--requests must be between 0 and 10,000,000; --specialists, --slots, --specialties "+
			"and --languages positive, with at most 10,000,000 slots"))
	} else if arcs := int64(d.Requests) * int64(d.Specialists/d.Specialties+1) * int64(d.Slots); arcs > 200_000_000 {
		errs = append(errs, fmt.Errorf("the day would have about %s arcs; at most 200,000,000", thousands(arcs)))
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err.Error()}
	}
	return benchMatch(ctx, env, o)
}

// matchRow is one line of the table: a solver on an instance.
type matchRow struct {
	instance, solver string
	load, solve      time.Duration
	cpu              time.Duration // CPU time of the solve
	cost             int64
	check            string
	ran              bool
}

func benchMatch(ctx context.Context, env *Env, o matchBenchOptions) error {
	out := env.Stdout
	if o.dir == "" {
		dir, err := os.MkdirTemp("", "tide-bench-match-")
		if err != nil {
			return err
		}
		o.dir = dir
	} else if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(out, "tide bench match: seed %d, %s, GOMAXPROCS %d, %d CPUs\n", o.seed, runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(out, "instance files in %s (kept for other solvers; formats in internal/match/instance.go)\n", o.dir)
	var rows []matchRow
	if o.n > 0 {
		r, err := benchMatchDense(ctx, env, o)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	if o.day.Requests > 0 {
		r, err := benchMatchDay(ctx, env, o)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	return printMatchBench(out, rows)
}

// benchMatchDense writes an n × n instance, reads it back, solves it with
// Assign and then with SciPy.
func benchMatchDense(ctx context.Context, env *Env, o matchBenchOptions) ([]matchRow, error) {
	out, n := env.Stdout, o.n
	name := fmt.Sprintf("assignment %s × %s", thousands(int64(n)), thousands(int64(n)))
	path := filepath.Join(o.dir, fmt.Sprintf("assign-%d-seed%d.txt", n, o.seed))
	fmt.Fprintf(env.Stderr, "writing %s ...\n", name)
	if err := writeInstance(path, func(w io.Writer) error { return match.WriteDense(w, n, match.RandomDense(n, o.span, o.seed)) }); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "%s, costs uniform in [0, %s): %s (%s)\n", name, thousands(o.span), filepath.Base(path), fileSize(path))

	fmt.Fprintf(env.Stderr, "tide: reading and solving %s ...\n", name)
	start := time.Now()
	cost, err := readInstance(path, func(r io.Reader) ([]int64, error) {
		_, c, err := match.ReadDense(r)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	tide := matchRow{instance: name, solver: "tide: Jonker-Volgenant (match.Assign)", load: time.Since(start), ran: true}
	start, cpu := time.Now(), processCPU()
	_, tide.cost, err = match.Assign(n, cost)
	tide.solve, tide.cpu = time.Since(start), processCPU()-cpu
	if err != nil {
		return nil, err
	}
	tide.check = "-"
	fmt.Fprintf(env.Stderr, "scipy: solving %s ...\n", name)
	return []matchRow{tide, runScipy(ctx, o.python, "dense", path, name, tide.cost)}, nil
}

// benchMatchDay writes a synthetic day, reads it back, solves it with Solve,
// proves the solution optimal with Verify, and has SciPy solve it too when
// its slots expand into a matrix of reasonable size.
func benchMatchDay(ctx context.Context, env *Env, o matchBenchOptions) ([]matchRow, error) {
	out, d := env.Stdout, o.day
	fmt.Fprintf(env.Stderr, "generating the day ...\n")
	p, err := match.Day(d, o.seed)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("day %s × %s slots", thousands(int64(d.Requests)), thousands(int64(d.Specialists*d.Slots)))
	path := filepath.Join(o.dir, fmt.Sprintf("day-%d-%d-%d-seed%d.txt", d.Requests, d.Specialists, d.Slots, o.seed))
	var units int64
	for _, c := range p.Capacity {
		units += int64(c)
	}
	fmt.Fprintf(env.Stderr, "writing %s ...\n", name)
	if err := writeInstance(path, func(w io.Writer) error { return match.WriteProblem(w, p) }); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "day: %s requests; %s specialists × %d slots = %s slots with %s places; %d specialties, %d languages; %s arcs: %s (%s)\n",
		thousands(int64(d.Requests)), thousands(int64(d.Specialists)), d.Slots, thousands(int64(len(p.Capacity))), thousands(units),
		d.Specialties, d.Languages, thousands(int64(len(p.Arcs))), filepath.Base(path), fileSize(path))
	p = nil // solve what is read back from the file

	fmt.Fprintf(env.Stderr, "tide: reading and solving %s ...\n", name)
	start := time.Now()
	p, err = readInstance(path, match.ReadProblem)
	if err != nil {
		return nil, err
	}
	tide := matchRow{instance: name, solver: "tide: min-cost flow (match.Solve)", load: time.Since(start), ran: true}
	start, cpu := time.Now(), processCPU()
	s, err := match.Solve(p)
	tide.solve, tide.cpu = time.Since(start), processCPU()-cpu
	if err != nil {
		return nil, err
	}
	tide.cost = s.Cost
	start = time.Now()
	if err := match.Verify(p, s); err != nil {
		tide.check = "FAILED: " + err.Error()
	} else {
		tide.check = "optimal (dual certificate)"
	}
	fmt.Fprintf(out, "day: %s; Verify took %s\n", describeDay(p, s), duration(time.Since(start)))

	rows := []matchRow{tide}
	cols := units
	if p.Skip != nil {
		cols += int64(p.Left)
	}
	if cells := int64(p.Left) * cols; cells > scipyCellLimit {
		fmt.Fprintf(out, "day: SciPy not run: a unit column for each place (and one per request for leaving it unassigned) makes "+
			"%s × %s = %s cells, %s as int64, over the limit of %s; the dual certificate checks the day instead\n",
			thousands(int64(p.Left)), thousands(cols), thousands(cells), mib(8*cells), mib(8*scipyCellLimit))
		rows = append(rows, matchRow{instance: name, solver: "scipy", check: "not run: too big to expand"})
	} else {
		fmt.Fprintf(env.Stderr, "scipy: solving %s ...\n", name)
		rows = append(rows, runScipy(ctx, o.python, "transport", path, name, s.Cost))
	}
	return rows, nil
}

// describeDay counts the requests served, and those left unassigned by their
// skip cost (which the day sets by urgency).
func describeDay(p *match.Problem, s *match.Solution) string {
	left := map[int64]int64{}
	var served int64
	for i, r := range s.Right {
		if r >= 0 {
			served++
		} else {
			left[p.Skip[i]]++
		}
	}
	text := fmt.Sprintf("%s requests served, %s unassigned", thousands(served), thousands(int64(p.Left)-served))
	skips := make([]int64, 0, len(left))
	for k := range left {
		skips = append(skips, k)
	}
	slices.Sort(skips)
	for j, k := range skips {
		sep := ", "
		if j == 0 {
			sep = " ("
		}
		text += fmt.Sprintf("%sskip cost %s: %s", sep, thousands(k), thousands(left[k]))
	}
	if len(skips) > 0 {
		text += ")"
	}
	return text
}

// scipyResult is the JSON line bench_match.py prints.
type scipyResult struct {
	Error    string  `json:"error"`
	Version  string  `json:"scipy"`
	Load     float64 `json:"load_s"`
	Solve    float64 `json:"solve_s"`
	SolveCPU float64 `json:"solve_cpu_s"`
	Cost     int64   `json:"cost"`
	Feasible *bool   `json:"feasible"`
}

// runScipy solves the instance file at path with SciPy and holds its cost
// to want.
func runScipy(ctx context.Context, python, kind, path, instance string, want int64) matchRow {
	row := matchRow{instance: instance, solver: "scipy linear_sum_assignment"}
	if _, err := os.Stat(python); err != nil {
		row.check = "not available (" + python + " not found)"
		return row
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, "-c", benchMatchScript, kind, path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		row.check = fmt.Sprintf("FAILED: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
		return row
	}
	var res scipyResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		row.check = fmt.Sprintf("FAILED: output %q: %v", stdout.Bytes(), err)
		return row
	}
	if res.Error != "" {
		row.check = res.Error
		return row
	}
	row.solver = "scipy " + res.Version + " linear_sum_assignment"
	row.ran, row.cost = true, res.Cost
	row.load = time.Duration(res.Load * float64(time.Second))
	row.solve = time.Duration(res.Solve * float64(time.Second))
	row.cpu = time.Duration(res.SolveCPU * float64(time.Second))
	switch {
	case res.Feasible != nil && !*res.Feasible:
		row.check = "DIFFERS: SciPy found no assignment serving every request"
	case res.Cost != want:
		row.check = fmt.Sprintf("DIFFERS from tide's %s", thousands(want))
	default:
		row.check = "agrees with tide"
	}
	return row
}

// printMatchBench prints the table and fails when a cost differs or a
// check failed.
func printMatchBench(out io.Writer, rows []matchRow) error {
	fmt.Fprintln(out, "\nload: reading the instance file; solve: the solver alone, timed inside the process that runs it, "+
		"by the clock and in CPU time (less swayed by other work on the machine)")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "instance\tsolver\tload\tsolve\tsolve CPU\tcost\tcheck")
	var failed []string
	for _, r := range rows {
		if !r.ran {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t%s\n", r.instance, r.solver, r.check)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.instance, r.solver, duration(r.load), duration(r.solve), duration(r.cpu),
				thousands(r.cost), r.check)
		}
		if strings.HasPrefix(r.check, "FAILED") || strings.HasPrefix(r.check, "DIFFERS") {
			failed = append(failed, r.instance+", "+r.solver)
		}
	}
	tw.Flush()
	if len(failed) > 0 {
		return fmt.Errorf("check failed for %q", failed)
	}
	return nil
}

// processCPU returns the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func writeInstance(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func readInstance[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return v, fmt.Errorf("read %s: %w", path, err)
	}
	return v, nil
}

func fileSize(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return "size unknown"
	}
	return mib(st.Size())
}
