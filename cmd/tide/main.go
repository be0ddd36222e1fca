// Command tide runs Tide, the open platform for the digital fight against
// poverty: the server, its demo, and the tools an operator needs.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// command is one subcommand.
type command struct {
	name, usage string
	run         func(ctx context.Context, env *Env, args []string) error
}

// Env is what a command reads and writes, so tests run commands in process.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

func commands() []command {
	return []command{
		{"serve", "run the server (and, with --demo, fill it with the demo province)", runServe},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"user", "user add|list|token: manage accounts from the command line", runUser},
		{"import", "import regions FILE | households FILE | connections FILE | schools FILE | boundaries FILE: load the region tree, households, villages' connections or schools (CSV or XLSX), or regions' boundaries (GeoJSON)", runImport},
		{"export", "export households: write households to CSV or XLSX, as a user's scope and masking allow", runExport},
		{"audit", "audit verify: check the audit log's hash chain", runAudit},
		{"bench", "bench measure | livesale | match: time the measures, a live sale over HTTP, or the consultation optimiser", runBench},
		{"version", "print the version", func(_ context.Context, env *Env, _ []string) error {
			fmt.Fprintln(env.Stdout, "tide", Version)
			return nil
		}},
		{"help", "show this help, or help COMMAND", runHelp},
	}
}

// usageError marks a mistake in how a command was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	env := &Env{Stdout: stdout, Stderr: stderr, Getenv: getenv}
	if len(args) == 0 {
		runHelp(ctx, env, nil)
		return exitUsage
	}
	name := args[0]
	if name == "-h" || name == "--help" {
		name = "help"
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, env, args[1:])
		var ue usageError
		switch {
		case err == nil:
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "tide %s: %v\nRun 'tide help %s' for usage.\n", name, err, name)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "tide %s: %v\n", name, err)
			return exitFailure
		}
	}
	fmt.Fprintf(stderr, "tide: unknown command %q\nRun 'tide help' for the list.\n", name)
	return exitUsage
}
