package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/tide-project/tide/internal/analytics"
	"github.com/tide-project/tide/internal/demo"
	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/live"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/user"
	"github.com/tide-project/tide/internal/web"
)

// Main is the program's wiring: configuration, database, services and the
// HTTP server. End-to-end tests build one with Addr ":0" and a temporary
// data folder, call Open and Start, and talk to URL().
type Main struct {
	Config Config
	Logger *slog.Logger
	Out    io.Writer // where the first password and demo accounts are printed

	DB        *sqlstore.DB
	Regions   *region.Service
	Users     *user.Service
	Registry  *registry.Service
	Analytics *analytics.Service
	Policies  *policy.Registry
	Engine    *market.Engine
	Market    *market.Service
	// Engage holds needs and donations, paid through the market's provider.
	Engage *engage.Service
	Live   *live.Hub

	// Connectivity holds villages' connections, schools, boundaries and
	// the overview.
	Connectivity Connectivity
	// Health holds remote consultation; stopAssign ends its scheduled
	// assignment.
	Health     *health.Service
	stopAssign context.CancelFunc
	// stopUpkeep ends the market's upkeep loop.
	stopUpkeep context.CancelFunc
	// stopCheckpoints ends the database's background checkpoints.
	stopCheckpoints func()
	Server          *web.Server
	HTTP            *http.Server
	// Front reads plain HTTP connections ahead of HTTP (nil with TLS).
	Front    *web.Front
	Listener net.Listener

	// Consult lets the parties into consultations' video rooms; nil
	// answers the rooms 404.
	Consult web.ConsultRooms
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	return &Main{Config: DefaultConfig(), Out: os.Stdout, Logger: slog.New(slog.DiscardHandler)}
}

// ParseFlags reads the serve settings from args and the environment.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	fs, err := m.Config.FlagSet("serve", nil, getenv)
	if err != nil {
		return usageError{err.Error()}
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := m.Config.Validate(); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// Open connects to and migrates the database and builds the services.
func (m *Main) Open(ctx context.Context) error {
	db, err := openDB(ctx, &m.Config, m.Logger)
	if err != nil {
		return err
	}
	m.DB = db
	m.Regions = region.NewService(db)
	m.Users = user.NewService(db)
	if err := m.openSender(); err != nil {
		return err
	}
	if err := m.openRegistry(ctx); err != nil {
		return err
	}
	if err := m.openMarket(); err != nil {
		return err
	}
	m.openConnect()
	return m.openHealth()
}

// openRegistry loads the policies and the ID key, builds the measure indexes
// from the stored households, and the registry service that keeps them current.
func (m *Main) openRegistry(ctx context.Context) error {
	m.Policies = policy.NewRegistry()
	if m.Config.PolicyDir != "" {
		if err := m.Policies.LoadDir(m.Config.PolicyDir); err != nil {
			return err
		}
	}
	if _, ok := m.Policies.Lookup(m.Config.ExitPolicy); !ok {
		return fmt.Errorf("--exit-policy %q: no such policy", m.Config.ExitPolicy)
	}
	sealer, err := openSealer(&m.Config)
	if err != nil {
		return err
	}
	start := time.Now()
	if m.Analytics, err = analytics.New(ctx, m.DB, m.DB, m.Policies, m.Logger); err != nil {
		return err
	}
	m.Logger.Info("measure indexes built", "elapsed", time.Since(start).Round(time.Millisecond).String())
	m.Regions.Watcher = m.Analytics
	m.Registry = registry.NewService(m.DB, sealer, m.Policies, m.Analytics)
	m.Registry.PostingDays = m.Config.PostingDays
	m.Registry.ExitPolicy = m.Config.ExitPolicy
	return nil
}

func openSealer(c *Config) (*secret.Sealer, error) {
	var key []byte
	var err error
	if c.IDKey != "" {
		key, err = secret.ParseKey(c.IDKey)
	} else {
		key, err = secret.LoadOrCreateKey(filepath.Join(c.Data, "id.key"))
	}
	if err != nil {
		return nil, fmt.Errorf("ID key: %w", err)
	}
	return secret.New(key)
}

func openDB(ctx context.Context, c *Config, log *slog.Logger) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, c.DatabaseURL())
	if err != nil {
		return nil, err
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	log.Info("database ready", "dialect", db.Dialect(), "migrations_applied", n)
	return db, nil
}

// Prepare fills an empty database: the demo province with --demo, otherwise
// a first administrator whose one-time password is printed.
func (m *Main) Prepare(ctx context.Context) error {
	n, err := m.DB.CountUsers(ctx)
	if err != nil {
		return err
	}
	if m.Config.Demo && n == 0 {
		start := time.Now()
		p, err := demo.Generate(ctx, demo.Services{Regions: m.Regions, Users: m.Users, Registry: m.Registry, Market: m.Market, Engage: m.Engage,
			Connect: m.Connectivity.Connect, Boundaries: m.Connectivity.Boundaries, Health: m.Health, Out: m.Out}, demo.DefaultShape,
			m.Config.DemoSeed, m.Config.DemoPassword, func(step string) { m.Logger.Info("generating demo", "step", step) })
		if err != nil {
			return err
		}
		m.Logger.Info("demo ready", "regions", len(p.Regions), "elapsed", time.Since(start).Round(time.Millisecond).String())
		fmt.Fprintf(m.Out, "Demo province generated (seed %d): %d regions. The people in it are synthetic.\n", p.Seed, len(p.Regions))
		fmt.Fprintf(m.Out, "Demo accounts, all with the password %s\n", p.Password)
		for _, a := range p.Accounts {
			scope := a.Scope
			if scope == "" {
				scope = "(all regions)"
			}
			fmt.Fprintf(m.Out, "  %-12s %-15s %s\n", a.Name, a.Role, scope)
		}
		return nil
	}
	if m.Config.Demo {
		fmt.Fprintln(m.Out, "The database already has users; the demo is not generated again.")
	}
	pw, err := m.Users.Bootstrap(ctx)
	if err != nil {
		return err
	}
	if pw != "" {
		fmt.Fprintf(m.Out, "First administrator created: name admin, one-time password %s\nSign in and change it.\n", pw)
	}
	return nil
}

// Start listens and serves in the background.
func (m *Main) Start() error {
	m.Server = &web.Server{Regions: m.Regions, Users: m.Users, Store: m.DB,
		Registry: m.Registry, Analytics: m.Analytics, Policies: m.Policies, Market: m.Market, Engage: m.Engage, Health: m.Health, Participation: m.DB, Live: m.Live, Logger: m.Logger, Version: Version,
		SecureCookies: m.Config.SecureCookies || m.Config.TLSCert != "", TrustProxy: m.Config.TrustProxy, Demo: m.Config.Demo}
	m.wireConnect(m.Server)
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.Listener = ln
	m.HTTP = &http.Server{Handler: m.Server.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn)}
	if err := m.openConsultRooms(); err != nil {
		ln.Close()
		return err
	}
	if m.Config.TLSCert == "" {
		m.Front = web.NewFront(m.HTTP)
	}
	go func() {
		var err error
		if m.Front == nil {
			err = m.HTTP.ServeTLS(ln, m.Config.TLSCert, m.Config.TLSKey)
		} else {
			err = m.Front.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("server stopped", "error", err)
		}
	}()
	m.stopCheckpoints = m.DB.StartCheckpoints(sqlstore.CheckpointEvery)
	m.Logger.Info("listening", "url", m.URL())
	return nil
}

// URL is the address the server answers on.
func (m *Main) URL() string {
	scheme := "http"
	if m.Config.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + m.Listener.Addr().String()
}

// Close ends the live streams, stops the server, letting requests finish,
// answers the orders in flight, and closes the database.
func (m *Main) Close() error {
	var errs []error
	if m.stopUpkeep != nil {
		m.stopUpkeep()
	}
	if m.stopAssign != nil {
		m.stopAssign()
	}
	if m.Live != nil {
		errs = append(errs, m.Live.Close())
	}
	if m.Server != nil {
		m.Server.CloseRooms() // Shutdown leaves WebSockets alone
	}
	if m.HTTP != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownWait)
		defer cancel()
		if m.Front != nil {
			errs = append(errs, m.Front.Shutdown(ctx))
		} else {
			errs = append(errs, m.HTTP.Shutdown(ctx))
		}
	}
	if m.Engine != nil {
		errs = append(errs, m.Engine.Close())
	}
	if m.stopCheckpoints != nil {
		m.stopCheckpoints()
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	return errors.Join(errs...)
}

func newLogger(c *Config, w *os.File) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" || (c.LogFormat == "auto" && !isTerminal(w)) {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServe(ctx context.Context, env *Env, args []string) error {
	m := NewMain()
	m.Out = env.Stdout
	if err := m.ParseFlags(args, env.Getenv); err != nil {
		return err
	}
	m.Logger = newLogger(&m.Config, os.Stderr)
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	if err := m.Prepare(ctx); err != nil {
		return err
	}
	if err := m.Start(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Tide is serving at %s\n", m.URL())
	<-ctx.Done()
	m.Logger.Info("shutting down")
	return nil
}

// openSender picks how sign-up codes reach people: by SMTP to e-mail
// addresses and by the SMS gateway to phones, as configured, and to the log
// when neither is.
func (m *Main) openSender() error {
	if m.Config.SMTP == "" && m.Config.SMS == "" {
		m.Users.Sender = user.LogSender{Logger: m.Logger}
		return nil
	}
	var by user.ByContact
	if m.Config.SMTP != "" {
		s, err := user.NewSMTPSender(m.Config.SMTP)
		if err != nil {
			return fmt.Errorf("--smtp: %w", err)
		}
		by.Email = s
	}
	if m.Config.SMS != "" {
		s, err := user.NewSMSSender(m.Config.SMS)
		if err != nil {
			return fmt.Errorf("--sms: %w", err)
		}
		by.Phone = s
	}
	m.Users.Sender = by
	return nil
}
