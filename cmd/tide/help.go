package main

import (
	"context"
	"fmt"
)

// commandFlags lists which settings each command takes.
var commandFlags = map[string][]string{
	"serve":   nil, // all
	"migrate": {"data", "db", "log-format", "log-level"},
	"user":    {"data", "db"},
	"import":  {"data", "db", "id-key"},
	"export":  {"data", "db", "id-key"},
	"audit":   {"data", "db"},
}

func runHelp(_ context.Context, env *Env, args []string) error {
	w := env.Stdout
	if len(args) > 0 {
		for _, c := range commands() {
			if c.name == args[0] {
				fmt.Fprintf(w, "tide %s: %s\n", c.name, c.usage)
				if extra, ok := commandHelp[c.name]; ok {
					fmt.Fprint(w, extra)
				}
				if names, ok := commandFlags[c.name]; ok {
					fmt.Fprintln(w, "\nSettings (flag, environment variable):")
					cfg := DefaultConfig()
					cfg.printOptions(w, names)
				}
				return nil
			}
		}
		return usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	fmt.Fprintln(w, "Tide: the open platform for the digital fight against poverty.")
	fmt.Fprintln(w, "\nUsage: tide COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nSettings (flag, environment variable); each command takes those it needs:")
	cfg := DefaultConfig()
	cfg.printOptions(w, nil)
	fmt.Fprintln(w, "\nExamples:\n  tide serve --demo --demo-password demo-pass\n  tide serve --db postgres://tide@127.0.0.1/tide\n  tide import regions regions.csv\n  tide import households households.xlsx\n  tide export households --region 520102 --as county1 --out county.csv")
	return nil
}

var commandHelp = map[string]string{
	"user": `
  tide user add --name NAME --role ROLE [--role ROLE] [--scope CODE] [--display-name TEXT] [--password PW]
      (the password is generated and printed when not given)
  tide user list [--role ROLE]
  tide user token NAME [--label TEXT]   print a new API token for NAME
Roles: admin, analyst, county_officer, registrar, seller, clinic, specialist, school, public.
`,
	"import": `
  tide import regions FILE   CSV with the header code,name,level,parent; every row or none.
                             Bad rows are printed with their line and column; exit status 1.
  tide import connections FILE [--as USERNAME] [--format csv|xlsx]
      Villages' connection reports: village, on (YYYY-MM-DD), fibre, fibre_since, provider,
      bandwidth_mbps, 4g, 5g, public_wifi (yes/no). Every row or none.
  tide import schools FILE [--as USERNAME] [--format csv|xlsx]
      Schools by code: code, name, region, level, students, teachers, connection,
      bandwidth_mbps, devices, since. Every row or none.
  tide import boundaries FILE
      A GeoJSON FeatureCollection of Polygon or MultiPolygon features, each with its region's
      code in properties.code. A file that is not valid GeoJSON is refused whole.
  tide import households FILE [--good-rows-only] [--as USERNAME] [--format csv|xlsx]
      CSV or XLSX (the first sheet), one row per member, with a header row. Columns:
        household  a key of your own that groups the rows of one household
        village, income_per_person, last_year_income, shock_costs (whole minor units),
        cadre_name, cadre_phone, ind_<indicator> (1/0 or a number) for each indicator:
                   the household's; repeat them on every member row or leave them blank
                   after the first (rows that disagree are bad rows)
        name, sex (f/m/x), birth_date (YYYY-MM-DD), relation (head, spouse, child, …),
        id_number, phone, disability, health, schooling, medical_insurance (1/0, yes/no)
      Every household or none: each bad row is printed as FILE:LINE: COLUMN: reason and the
      exit status is 1. Duplicates are found by ID number and by normalised phone, within the
      file and among registered households. --good-rows-only writes the households none of
      whose rows is bad (and still exits 1 when some were left out). --as acts as that user:
      their area and rights apply (default: the system administrator). The import is audited
      by the file's SHA-256 and the refs written. A good file whose household rows sit
      together is written as it is read; a file with something to report is read a second
      time to check every row before anything is written. Templates: /households/template.csv and
      .xlsx in the pages. A running server's measures count the new households once it
      restarts; imports through the pages or the API are counted at once.
`,
	"export": `
  tide export households [--format csv|xlsx] [--region CODE] [--as USERNAME] [--out FILE]
      Writes the households of a region (default: the acting user's whole area) in the
      import's columns, one row per member, to FILE (default: standard output; a file is
      only put in place once complete). --as acts as that user: a region outside their area
      is not found, and ID numbers and phones are masked unless their role may see them
      (default: the system administrator, who sees them). Audited. XLSX holds at most
      1,048,575 members; export larger areas as CSV.
`,
	"audit": `
  tide audit verify   walk the chain; print the first broken entry and exit 1 if any.
`,
	"bench": `
  tide bench measure [--persons N] [--sql-persons M] [--seed S] [--runs R] [--county-runs C]
                     [--county CODE] [--sqlite PATH] [--postgres URL]
      Builds a synthetic registry of N persons (default 10,000,000) and times the poverty
      measures on the in-memory index: every region (best and median of R runs, default 5)
      and one county (default the first; C runs, default 1000). Then loads the same
      households into SQLite (a temporary file unless --sqlite) and, with --postgres or
      TIDE_BENCH_POSTGRES, into PostgreSQL (a schema of its own), times the same measures
      as one GROUP BY (the county C/10 times), checks that every engine gives the index's
      answers and prints a table. With N above M (default 10,000,000) SQL gets a second
      registry of M persons and the big index is timed alone. The bench table, schema and
      temporary file are removed at the end. Exit status 1 when answers differ.

  tide bench livesale [--buyers C] [--stock S] [--duration D] [--orders N]
                      [--postgres URL] [--redis ADDR] [--viewers V] [--random-keys]
                      [--cpuprofile FILE]
      Serves Tide in process on a temporary SQLite folder with the production settings,
      makes C buyers (default 256) and a live room with one product of S units (default
      100,000), and has the buyers order one unit at a time over keep-alive HTTP until it is
      sold out, N orders are acknowledged or D (default 10s) has passed. Prints acknowledged
      orders a second, p50 and p99 latency and the oversell check, then the same for
      references behind the same order route: a Redis Lua decrement (--redis, default
      127.0.0.1:6379, skipped when down), a PostgreSQL UPDATE per order (--postgres or
      TIDE_BENCH_POSTGRES) and a handler that answers at once. With --viewers, V viewers
      follow the room while it sells and the delivery lag of its updates is printed.
      Each order carries a fresh Idempotency-Key: a ULID, as the live page makes it, or
      with --random-keys 128 random bits, as a client sending UUIDv4s does. Before each
      run the buyers' tokens are signed in once, as buyers who opened the room before the
      sale began would have been, so no run is timed with cold sessions. The table
      gives each run's processor time per acknowledged order in the server and in the
      load generator (a second process). --cpuprofile profiles the server during Tide's
      run.

  tide bench match [--n N] [--span S] [--seed SEED] [--requests R] [--specialists P]
                   [--slots H] [--specialties K] [--languages L] [--dir DIR] [--python PATH]
      Writes an N × N assignment instance (default 5,000; costs uniform in [0, S), default
      1,000,000) and a synthetic day of R requests (default 20,000) for P specialists
      (default 2,000) with H slots each (default 10) to files in DIR (default a new
      temporary folder, printed and kept), reads them back and solves them exactly with
      Tide, then with SciPy's linear_sum_assignment run by PATH (default /usr/bin/python3)
      on the same files. Prints load and solve times and the optimal costs; the day's
      solution is also proven optimal by its dual certificate. A day too big to expand into
      a matrix of at most 2^27 cells is left to the certificate. SciPy missing: its rows say
      "not available". Exit status 1 when a cost differs or a check fails.
  tide bench likes [--batch B] [--duration D] [--conns C] [--viewers V] [--workers W]
                   [--redis ADDR] [--cpuprofile FILE]
      Ingests a live room's likes for D (default 5s) each three ways, in batches of B
      (default 20, at most 50, what one request of the page carries): W goroutines (default
      GOMAXPROCS) calling the live hub's counters in process; C keep-alive connections
      (default 64) posting to /api/v1/rooms/{room}/likes of Tide served in process, each
      request from one of V viewers' addresses (default 20,000) through a trusted proxy; and
      C Redis clients sending pipelines of B INCRBY commands (--redis, default
      127.0.0.1:6379, skipped when down). Prints likes a second and checks that each
      counter ends at exactly the likes sent; exit status 1 when one does not. The CPU
      time this process used in each run is printed beside it, for a machine it shares.
`,
}
