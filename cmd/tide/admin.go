package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// openFor parses the database settings of cmd plus extra flags and opens the
// migrated database. Command-line tools act as the system administrator:
// whoever can run them holds the database already.
func openFor(ctx context.Context, env *Env, cmd string, args []string, extra func(fs *flag.FlagSet)) (*sqlstore.DB, *flag.FlagSet, error) {
	cfg := DefaultConfig()
	fs, err := cfg.FlagSet(cmd, commandFlags[cmd], env.Getenv)
	if err != nil {
		return nil, nil, usageError{err.Error()}
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, usageError{err.Error()}
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, usageError{err.Error()}
	}
	db, err := openDB(ctx, &cfg, newLogger(&Config{LogFormat: "text", LogLevel: "warn"}, os.Stderr))
	return db, fs, err
}

func runMigrate(ctx context.Context, env *Env, args []string) error {
	db, _, err := openFor(ctx, env, "migrate", args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(env.Stdout, "database is up to date (%s)\n", db.Dialect())
	return nil
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, strings.Split(s, ",")...); return nil }

func runUser(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageError{"want add, list or token"}
	}
	sub, args := args[0], args[1:]
	var (
		name, display, password, scope, label string
		roles                                 listFlag
	)
	var extra func(fs *flag.FlagSet)
	switch sub {
	case "add":
		extra = func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "user name")
			fs.StringVar(&display, "display-name", "", "display name")
			fs.StringVar(&password, "password", "", "password (generated when empty)")
			fs.StringVar(&scope, "scope", "", "region code prefix")
			fs.Var(&roles, "role", "role (repeat or comma-separate)")
		}
	case "list":
		extra = func(fs *flag.FlagSet) { fs.Var(&roles, "role", "only users with this role") }
	case "token":
		extra = func(fs *flag.FlagSet) { fs.StringVar(&label, "label", "cli", "what the token is for") }
	default:
		return usageError{fmt.Sprintf("unknown user command %q: want add, list or token", sub)}
	}
	var rest []string
	if sub == "token" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		rest, args = args[:1], args[1:]
	}
	db, fs, err := openFor(ctx, env, "user", args, extra)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := user.NewService(db)
	ctx = tide.WithActor(ctx, tide.System)
	switch sub {
	case "add":
		generated := password == ""
		if generated {
			password = user.RandomPassword()
		}
		rs := make([]tide.Role, len(roles))
		for i, r := range roles {
			rs[i] = tide.Role(strings.TrimSpace(r))
		}
		u, err := svc.Create(ctx, user.NewUser{Name: name, DisplayName: display, Password: password, Roles: rs, Scope: scope})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "user %s added (roles %s, scope %q)\n", u.Name, roles.String(), u.Scope)
		if generated {
			fmt.Fprintf(env.Stdout, "password: %s\n", password)
		}
	case "list":
		f := user.Filter{Limit: 500}
		if len(roles) > 0 {
			f.Role = tide.Role(roles[0])
		}
		for {
			list, total, err := svc.List(ctx, f)
			if err != nil {
				return err
			}
			for _, u := range list {
				fmt.Fprintf(env.Stdout, "%-16s %-30s %s\n", u.Name, (&listFlag{}).join(u.Roles), u.Scope)
			}
			f.Offset += len(list)
			if f.Offset >= total || len(list) == 0 {
				break
			}
		}
	case "token":
		rest = append(rest, fs.Args()...)
		if len(rest) != 1 {
			return usageError{"want the user's name: tide user token NAME"}
		}
		secret, err := svc.IssueToken(ctx, rest[0], label)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, secret)
	}
	return nil
}

func (*listFlag) join(rs []tide.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func runImport(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "households" {
		return runImportHouseholds(ctx, env, args[1:])
	}
	if len(args) > 0 && (args[0] == "connections" || args[0] == "schools" || args[0] == "boundaries") {
		return runImportConnect(ctx, env, args[0], args[1:])
	}
	if len(args) == 0 || args[0] != "regions" {
		return usageError{"want: tide import regions FILE, or households, connections, schools or boundaries FILE"}
	}
	var file string
	args = args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	db, fs, err := openFor(ctx, env, "import", args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" {
		return usageError{"want the CSV file to import"}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	svc := region.NewService(db)
	n, err := svc.Import(tide.WithActor(ctx, tide.System), r, func(rows int) {
		fmt.Fprintf(env.Stderr, "\rread %d rows", rows)
	})
	fmt.Fprintln(env.Stderr)
	var ie *region.ImportError
	if errors.As(err, &ie) {
		for _, row := range ie.Rows {
			fmt.Fprintf(env.Stderr, "%s:%d: %s: %s\n", file, row.Line, row.Column, row.Message)
		}
		return fmt.Errorf("%d bad rows in %s; nothing imported", len(ie.Rows), file)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported %d regions from %s\n", n, file)
	return nil
}

func runAudit(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{"want: tide audit verify"}
	}
	db, _, err := openFor(ctx, env, "audit", args[1:], nil)
	if err != nil {
		return err
	}
	defer db.Close()
	brk, n, err := audit.Verify(ctx, db)
	if err != nil {
		return err
	}
	if brk != nil {
		fmt.Fprintf(env.Stdout, "audit chain BROKEN at entry %d: %s (%d entries read)\n", brk.Seq, brk.Reason, n)
		return fmt.Errorf("audit chain broken at entry %d", brk.Seq)
	}
	fmt.Fprintf(env.Stdout, "audit chain intact: %d entries\n", n)
	return nil
}
