package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// tideRun runs the command line in process with the given TIDE_* variables
// (and no others) and returns its exit status and output.
func tideRun(tb testing.TB, env map[string]string, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code = run(context.Background(), args, &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}

// writeFile writes text to name in a temporary folder and returns its path.
func writeFile(tb testing.TB, name, text string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// countRegions opens the database at url and counts its regions.
func countRegions(tb testing.TB, url string) int {
	tb.Helper()
	ctx := tide.WithActor(context.Background(), tide.System)
	db, err := sqlstore.Open(ctx, url)
	if err != nil {
		tb.Fatalf("open %s: %v", url, err)
	}
	defer db.Close()
	_, n, err := db.FindRegions(ctx, region.Filter{Limit: 1})
	if err != nil {
		tb.Fatalf("count regions: %v", err)
	}
	return n
}

// dbFlags returns the command-line flags that select a fresh database of
// dialect d, and that database's URL.
func dbFlags(tb testing.TB, d sqlstore.Dialect) (flags []string, url string) {
	tb.Helper()
	data := tb.TempDir()
	if d == sqlstore.SQLite {
		return []string{"--data", data}, "sqlite:" + filepath.Join(data, "tide.db")
	}
	url = sqlstore.TestURL(tb, d)
	return []string{"--data", data, "--db", url}, url
}

func TestImportRegionsBadRows(t *testing.T) {
	flags, url := dbFlags(t, sqlstore.SQLite)
	file := writeFile(t, "regions.csv", "code,name,level,parent\n"+
		"90,Demo,province,\n"+ // line 2: fine
		"9001,,prefecture,90\n"+ // line 3: no name
		"9901,Lost,prefecture,99\n"+ // line 4: no such parent
		"9003,Odd,city,90\n"+ // line 5: no such level
		"9004,Short,prefecture\n"+ // line 6: three fields
		"90,Twice,province,\n"+ // line 7: code twice in the file
		"9005,Fine,prefecture,90\n") // line 8: fine
	code, _, stderr := tideRun(t, nil, append([]string{"import", "regions", file}, flags...)...)
	if code != exitFailure {
		t.Errorf("exit status = %d, want %d; stderr:\n%s", code, exitFailure, stderr)
	}
	want := []struct {
		line   int
		column string
	}{{3, "name"}, {4, "parent"}, {5, "level"}, {6, "code"}, {7, "code"}}
	for _, w := range want {
		prefix := fmt.Sprintf("%s:%d: %s: ", file, w.line, w.column)
		if !strings.Contains(stderr, prefix) {
			t.Errorf("stderr does not name %q:\n%s", prefix, stderr)
		}
	}
	for _, line := range []int{2, 8} {
		if strings.Contains(stderr, fmt.Sprintf("%s:%d:", file, line)) {
			t.Errorf("stderr blames the good line %d:\n%s", line, stderr)
		}
	}
	if !strings.Contains(stderr, "nothing imported") {
		t.Errorf("stderr does not say nothing was imported:\n%s", stderr)
	}
	if n := countRegions(t, url); n != 0 {
		t.Errorf("regions after a refused import = %d, want 0", n)
	}

	good := writeFile(t, "good.csv", "code,name,level,parent\n90,Demo,province,\n9005,Fine,prefecture,90\n")
	code, stdout, stderr := tideRun(t, nil, append([]string{"import", "regions", good}, flags...)...)
	if code != exitOK || !strings.Contains(stdout, "imported 2 regions") {
		t.Errorf("good import after the refused one: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if n := countRegions(t, url); n != 2 {
		t.Errorf("regions after the good import = %d, want 2", n)
	}
}

func TestUserCommands(t *testing.T) {
	flags, _ := dbFlags(t, sqlstore.SQLite)
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return tideRun(t, nil, append(args, flags...)...)
	}
	code, stdout, stderr := cli("user", "add", "--name", "x", "--role", "county_officer", "--scope", "90")
	if code != exitOK || !strings.Contains(stdout, "user x added") || !strings.Contains(stdout, "password: ") {
		t.Fatalf("user add: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	t.Run("List", func(t *testing.T) {
		code, stdout, stderr := cli("user", "list")
		if code != exitOK {
			t.Fatalf("user list: status %d, stderr %q", code, stderr)
		}
		var found bool
		for _, line := range strings.Split(stdout, "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "x" && f[1] == "county_officer" && f[2] == "90" {
				found = true
			}
		}
		if !found {
			t.Errorf("user list does not show x, county_officer, 90:\n%s", stdout)
		}
	})

	refused := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"Duplicate", []string{"user", "add", "--name", "x", "--role", "admin", "--password", "long-enough"}, exitFailure, "already exists"},
		{"UnknownRole", []string{"user", "add", "--name", "y", "--role", "king", "--password", "long-enough"}, exitFailure, "roles"},
		{"ShortPassword", []string{"user", "add", "--name", "y", "--role", "admin", "--password", "short"}, exitFailure, "password"},
		{"ScopedRoleAtRoot", []string{"user", "add", "--name", "y", "--role", "registrar", "--password", "long-enough"}, exitFailure, "scope"},
		{"TokenForNobody", []string{"user", "token", "nobody"}, exitFailure, "not found"},
		{"TokenWithoutName", []string{"user", "token"}, exitUsage, "want the user's name"},
		{"UnknownSubcommand", []string{"user", "remove"}, exitUsage, "unknown user command"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := cli(c.args...)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Errorf("%v: status %d, stderr %q; want status %d and %q", c.args, code, stderr, c.code, c.want)
			}
		})
	}

	t.Run("TokenWorksAgainstAPI", func(t *testing.T) {
		code, stdout, stderr := cli("user", "token", "x", "--label", "test")
		token := strings.TrimSpace(stdout)
		if code != exitOK || token == "" || strings.ContainsAny(token, " \n") {
			t.Fatalf("user token: status %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		m := NewMain()
		m.Config.Addr, m.Config.Data = "127.0.0.1:0", flags[1]
		t.Cleanup(func() { m.Close() })
		if err := m.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		got := whoAmI(t, m.URL(), token)
		if got.Name != "x" || got.Scope != "90" || len(got.Roles) != 1 || got.Roles[0] != "county_officer" {
			t.Errorf("me with the command-line token = %+v, want x, county_officer, 90", got)
		}
		if status, _ := call(t, m.URL(), token+"x", "GET", "/api/v1/me", ""); status != http.StatusUnauthorized {
			t.Errorf("me with an altered token: status %d, want 401", status)
		}
	})
}

func TestAuditVerify(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			flags, url := dbFlags(t, d)
			file := writeFile(t, "regions.csv", "code,name,level,parent\n90,Demo,province,\n9001,North,prefecture,90\n9002,South,prefecture,90\n900101,Hill,county,9001\n")
			if code, _, stderr := tideRun(t, nil, append([]string{"import", "regions", file}, flags...)...); code != exitOK {
				t.Fatalf("import: status %d, stderr %q", code, stderr)
			}

			code, stdout, stderr := tideRun(t, nil, append([]string{"audit", "verify"}, flags...)...)
			if code != exitOK || !strings.Contains(stdout, "intact") || !strings.Contains(stdout, "4 entries") {
				t.Fatalf("verify untouched log: status %d, stdout %q, stderr %q; want 0 and intact, 4 entries", code, stdout, stderr)
			}

			db, err := sqlstore.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			sqlstore.TamperAudit(t, db, 2, "actor = 'mallory'")
			db.Close()

			code, stdout, stderr = tideRun(t, nil, append([]string{"audit", "verify"}, flags...)...)
			if code != exitFailure {
				t.Errorf("verify tampered log: status %d, want %d", code, exitFailure)
			}
			if !strings.Contains(stdout, "BROKEN at entry 2:") || !strings.Contains(stderr, "broken at entry 2") {
				t.Errorf("verify tampered log does not name entry 2: stdout %q, stderr %q", stdout, stderr)
			}
		})
	}
}

func TestHelpAndUsage(t *testing.T) {
	code, stdout, _ := tideRun(t, nil, "help")
	if code != exitOK {
		t.Errorf("tide help: status %d, want 0", code)
	}
	for _, c := range commands() {
		if !strings.Contains(stdout, "  "+c.name+" ") {
			t.Errorf("tide help does not list the command %q", c.name)
		}
	}
	var cfg Config
	for _, o := range cfg.options() {
		if !strings.Contains(stdout, o.env) || !strings.Contains(stdout, "--"+o.flag) {
			t.Errorf("tide help does not list --%s and %s", o.flag, o.env)
		}
	}

	for _, c := range commands() {
		t.Run("Help_"+c.name, func(t *testing.T) {
			code, stdout, stderr := tideRun(t, nil, "help", c.name)
			if code != exitOK || !strings.HasPrefix(stdout, "tide "+c.name+": ") {
				t.Errorf("tide help %s: status %d, stdout %q, stderr %q", c.name, code, stdout, stderr)
			}
		})
	}

	data := t.TempDir()
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in stderr
	}{
		{"NoCommand", nil, nil, exitUsage, ""},
		{"UnknownCommand", nil, []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"HelpUnknownCommand", nil, []string{"help", "frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"ServeBadAddr", nil, []string{"serve", "--addr", "nonsense"}, exitUsage, "--addr"},
		{"ServeBadAddrFromEnv", map[string]string{"TIDE_ADDR": "nonsense"}, []string{"serve"}, exitUsage, "--addr"},
		{"ServeBadBoolFromEnv", map[string]string{"TIDE_DEMO": "maybe"}, []string{"serve"}, exitUsage, "TIDE_DEMO"},
		{"ServeUnknownFlag", nil, []string{"serve", "--colour", "red"}, exitUsage, "colour"},
		{"ServeExtraArgument", nil, []string{"serve", "now"}, exitUsage, `unexpected argument "now"`},
		{"ServeDemoPasswordAlone", nil, []string{"serve", "--demo-password", "long-enough"}, exitUsage, "--demo-password needs --demo"},
		{"ServeBadDB", nil, []string{"serve", "--db", "mysql://x"}, exitUsage, "--db"},
		{"ImportWithoutFile", nil, []string{"import", "regions", "--data", data}, exitUsage, "want the CSV file"},
		{"ImportWhat", nil, []string{"import", "sellers"}, exitUsage, "import regions FILE"},
		{"ImportMissingFile", nil, []string{"import", "regions", filepath.Join(data, "none.csv"), "--data", data}, exitFailure, "none.csv"},
		{"AuditWithoutVerify", nil, []string{"audit"}, exitUsage, "audit verify"},
		{"UserWithoutSubcommand", nil, []string{"user"}, exitUsage, "want add, list or token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := tideRun(t, c.env, c.args...)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Errorf("tide %v: status %d, stderr %q; want status %d and %q", c.args, code, stderr, c.code, c.want)
			}
		})
	}

	t.Run("Version", func(t *testing.T) {
		code, stdout, _ := tideRun(t, nil, "version")
		if code != exitOK || strings.TrimSpace(stdout) != "tide "+Version {
			t.Errorf("tide version: status %d, stdout %q", code, stdout)
		}
	})
}
