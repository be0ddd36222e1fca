package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// openRegistry parses the settings of cmd plus extra flags, opens the migrated
// database and returns the registry service over it with the ID key.
func openRegistry(ctx context.Context, env *Env, cmd string, args []string, extra func(fs *flag.FlagSet)) (*sqlstore.DB, *registry.Service, *flag.FlagSet, error) {
	cfg := DefaultConfig()
	fs, err := cfg.FlagSet(cmd, commandFlags[cmd], env.Getenv)
	if err != nil {
		return nil, nil, nil, usageError{err.Error()}
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, nil, usageError{err.Error()}
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, nil, usageError{err.Error()}
	}
	sealer, err := openSealer(&cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := openDB(ctx, &cfg, newLogger(&Config{LogFormat: "text", LogLevel: "warn"}, os.Stderr))
	if err != nil {
		return nil, nil, nil, err
	}
	return db, registry.NewService(db, sealer, policy.NewRegistry(), nil), fs, nil
}

// actingAs returns ctx acting as the named user, or as the system
// administrator when name is empty.
func actingAs(ctx context.Context, db *sqlstore.DB, name string) (context.Context, error) {
	if name == "" {
		return tide.WithActor(ctx, tide.System), nil
	}
	u, err := db.FindUserByName(ctx, name)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return nil, usageError{fmt.Sprintf("--as %s: no such user", name)}
	} else if err != nil {
		return nil, err
	}
	return tide.WithActor(ctx, u.Actor()), nil
}

// fileFormat is format, or the one the file name's extension implies.
func fileFormat(format, name string) string {
	if format != "" {
		return strings.ToLower(format)
	}
	if strings.EqualFold(filepath.Ext(name), ".xlsx") {
		return registry.FormatXLSX
	}
	return registry.FormatCSV
}

// progressLine shows how a long job goes on w. On a terminal it rewrites one
// line, at most five times a second; elsewhere (a log, a pipe) it writes
// only the lines marked as milestones.
type progressLine struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	last time.Time
	text string
}

func newProgressLine(w io.Writer) *progressLine {
	f, ok := w.(*os.File)
	return &progressLine{w: w, tty: ok && isTerminal(f)}
}

func (p *progressLine) show(milestone bool, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty {
		if milestone {
			fmt.Fprintf(p.w, format+"\n", args...)
		}
		return
	}
	if !milestone && time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.text = fmt.Sprintf(format, args...)
	fmt.Fprintf(p.w, "\r%-60s", p.text)
}

func (p *progressLine) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.text != "" {
		fmt.Fprintln(p.w)
		p.text = ""
	}
}

// runImportHouseholds is `tide import households FILE`.
func runImportHouseholds(ctx context.Context, env *Env, args []string) error {
	var (
		file, as, format string
		good             bool
	)
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	db, svc, fs, err := openRegistry(ctx, env, "import", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&good, "good-rows-only", false, "write the good households and report the bad rows")
		fs.StringVar(&as, "as", "", "act as this user: their area and rights apply (default: the system administrator)")
		fs.StringVar(&format, "format", "", "csv or xlsx (default: from the file name)")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	db.WorkAlone() // this command is the database's only user in this process
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(fs.NArg()-1))}
	}
	if file == "" {
		return usageError{"want the CSV or XLSX file to import"}
	}
	ctx, err = actingAs(ctx, db, as)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	pl := newProgressLine(env.Stderr)
	writing := false
	rep, err := svc.Import(ctx, f, fileFormat(format, file), registry.ImportOptions{GoodRowsOnly: good, Source: filepath.Base(file),
		Stage: func(st string) {
			switch st {
			case registry.StageStream:
				writing = true
				pl.show(true, "reading and writing %s…", file)
			case registry.StageRead:
				if writing {
					// The one pass found something to check file-wide;
					// nothing of it was written.
					writing = false
					pl.show(true, "reading %s again, to check every row before writing…", file)
				} else {
					pl.show(true, "reading %s…", file)
				}
			case registry.StageCheck:
				pl.show(true, "checking every row…")
			case registry.StageWrite:
				writing = true
				pl.show(true, "writing…")
			}
		},
		Progress: func(done, total int) {
			if writing && total == 0 {
				pl.show(false, "wrote %d households", done)
			} else if writing {
				pl.show(done == total, "wrote %d of %d households", done, total)
			} else {
				pl.show(false, "read %d rows", done)
			}
		}})
	pl.end()
	var ie *registry.ImportError
	if errors.As(err, &ie) {
		printRows(env.Stderr, file, ie.Rows)
		return fmt.Errorf("%s in %s; nothing imported", badRows(len(ie.Rows)), file)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported %d households (%d persons) from %s in %s\n", rep.Households, rep.Persons, file,
		time.Since(start).Round(10*time.Millisecond))
	if len(rep.Rows) > 0 {
		printRows(env.Stderr, file, rep.Rows)
		return fmt.Errorf("%s in %s; the households they belong to were left out", badRows(len(rep.Rows)), file)
	}
	return nil
}

func badRows(n int) string {
	if n == 1 {
		return "1 bad row"
	}
	return fmt.Sprintf("%d bad rows", n)
}

func printRows(w io.Writer, file string, rows []registry.RowError) {
	for _, row := range rows {
		fmt.Fprintf(w, "%s:%d: %s: %s\n", file, row.Line, row.Column, row.Message)
	}
}

// runExport is `tide export households`.
func runExport(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "households" {
		return usageError{"want: tide export households [--format csv|xlsx] [--region CODE] [--as USERNAME] [--out FILE]"}
	}
	var format, region, as, out string
	db, svc, fs, err := openRegistry(ctx, env, "export", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "", "csv or xlsx (default: from --out, else csv)")
		fs.StringVar(&region, "region", "", "region code (default: the whole area of the acting user)")
		fs.StringVar(&as, "as", "", "act as this user: their area and masking apply (default: the system administrator)")
		fs.StringVar(&out, "out", "-", "file to write, - for standard output")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	ctx, err = actingAs(ctx, db, as)
	if err != nil {
		return err
	}
	format = fileFormat(format, out)
	if err := registry.CheckFormat(format); err != nil {
		return usageError{"--format: " + tide.ErrorMessage(err)}
	}
	w, done, err := exportTarget(env, out)
	if err != nil {
		return err
	}
	pl := newProgressLine(env.Stderr)
	sum, err := svc.Export(ctx, w, registry.ExportOptions{Format: format, Region: region,
		Progress: func(n, total int) { pl.show(false, "wrote %d of %d households", n, total) }})
	pl.end()
	if err := done(err == nil); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	ids := "in full"
	if sum.MaskedIDs {
		ids = "masked"
	}
	where := sum.Region
	if where == "" {
		where = "every region"
	}
	if out == "-" || out == "" {
		out = "standard output"
	}
	fmt.Fprintf(env.Stderr, "exported %d households (%d persons) of %s to %s; ID numbers and phones %s\n",
		sum.Households, sum.Persons, where, out, ids)
	return nil
}

// exportTarget opens where an export goes. A file is written beside its
// final name and renamed when the export succeeds, so a failed export leaves
// no half file; done(ok) finishes it.
func exportTarget(env *Env, out string) (io.Writer, func(ok bool) error, error) {
	if out == "-" || out == "" {
		return env.Stdout, func(bool) error { return nil }, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return nil, nil, err
	}
	return tmp, func(ok bool) error {
		cerr := tmp.Close()
		if !ok || cerr != nil {
			os.Remove(tmp.Name())
			return cerr
		}
		if err := os.Chmod(tmp.Name(), 0o600); err != nil {
			os.Remove(tmp.Name())
			return err
		}
		return os.Rename(tmp.Name(), out)
	}, nil
}
