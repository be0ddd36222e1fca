package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/rtc"
	"github.com/tide-project/tide/internal/secret"
)

// Config is every setting of the program, validated as a whole.
type Config struct {
	Addr          string
	Data          string
	DB            string
	Demo          bool
	DemoPassword  string
	DemoSeed      uint64
	LogFormat     string
	LogLevel      string
	TLSCert       string
	TLSKey        string
	TrustProxy    bool
	SecureCookies bool
	ShutdownWait  time.Duration
	// ICEServers lists the STUN and TURN servers of the consultations'
	// video rooms; see rtc.ParseICEServers.
	ICEServers string
	// IDKey seals national ID numbers; empty means the key file in Data.
	IDKey       string
	PolicyDir   string
	ExitPolicy  string
	PostingDays int
	// OrderBatch and OrderWriters tune the order engine: the most orders
	// in one transaction, and the transactions in flight at once.
	OrderBatch   int
	OrderWriters int
	// PaymentSecret signs and checks the payment provider's callbacks;
	// empty means a random one for each start, which the built-in sandbox
	// provider, signing its own callbacks, needs no more than.
	PaymentSecret string
	// UnpaidTimeout is how long a placed order holds its units unpaid.
	UnpaidTimeout time.Duration
	// BlockedWords names a file of words refused in live-room comments, one
	// a line.
	BlockedWords string
	// SMTP sends the codes of public sign-up by e-mail; empty writes them
	// to the log instead.
	SMTP string
	// SMS sends the codes of public sign-up to phones through an HTTP SMS
	// gateway; beside SMTP, each contact goes by its own kind.
	SMS string
	// AssignEvery is how often open consultation requests are assigned
	// (0: only on demand); ConsultZone is the time zone of specialists'
	// hours; RoomBefore and RoomAfter open a consultation's video room
	// before its start and close it after.
	AssignEvery, RoomBefore, RoomAfter time.Duration
	ConsultZone                        string
	// LanguageRule is "penalty" (a specialist without the patient's
	// language costs more) or "hard" (is never chosen).
	LanguageRule string
}

// DefaultConfig is what `tide serve` with no flags runs with.
func DefaultConfig() Config {
	return Config{Addr: "127.0.0.1:8080", Data: "./tide-data", DemoSeed: 1, LogFormat: "auto",
		LogLevel: "info", ShutdownWait: 10 * time.Second,
		ExitPolicy: "cn-2020", PostingDays: 7, OrderBatch: 500, OrderWriters: 1,
		UnpaidTimeout: market.DefaultUnpaidTimeout,
		AssignEvery:   5 * time.Minute, RoomBefore: 15 * time.Minute, RoomAfter: time.Hour, ConsultZone: "UTC", LanguageRule: "penalty"}
}

// DatabaseURL is DB, or the SQLite file in the data folder when DB is empty.
func (c *Config) DatabaseURL() string {
	if c.DB != "" {
		return c.DB
	}
	return "sqlite:" + filepath.Join(c.Data, "tide.db")
}

// Validate checks options on their own and against each other.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want HOST:PORT", c.Addr))
	}
	if c.Data == "" {
		errs = append(errs, errors.New("--data must name a folder"))
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		errs = append(errs, fmt.Errorf("--db %q: want sqlite:PATH or a postgres:// URL", c.DB))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.DemoPassword != "" && len(c.DemoPassword) < 8 {
		errs = append(errs, errors.New("--demo-password must have at least 8 characters"))
	}
	if c.DemoPassword != "" && !c.Demo {
		errs = append(errs, errors.New("--demo-password needs --demo"))
	}
	if c.IDKey != "" {
		if _, err := secret.ParseKey(c.IDKey); err != nil {
			errs = append(errs, fmt.Errorf("--id-key: %v", err))
		}
	}
	if _, err := rtc.ParseICEServers(c.ICEServers); err != nil {
		errs = append(errs, fmt.Errorf("--ice-servers: %v", err))
	}
	if c.PostingDays < 0 || c.PostingDays > 90 {
		errs = append(errs, fmt.Errorf("--exit-posting-days %d: want 0 to 90", c.PostingDays))
	}
	if c.OrderBatch < 1 || c.OrderBatch > 10000 {
		errs = append(errs, fmt.Errorf("--order-batch %d: want 1 to 10000", c.OrderBatch))
	}
	if c.OrderWriters < 1 || c.OrderWriters > 64 {
		errs = append(errs, fmt.Errorf("--order-writers %d: want 1 to 64", c.OrderWriters))
	}
	if c.ExitPolicy == "" {
		errs = append(errs, errors.New("--exit-policy must name a policy"))
	}
	switch c.LogFormat {
	case "auto", "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q: want auto, text or json", c.LogFormat))
	}
	if c.UnpaidTimeout < time.Minute {
		errs = append(errs, fmt.Errorf("--unpaid-timeout %s: want at least 1m", c.UnpaidTimeout))
	}
	if c.AssignEvery < 0 || (c.AssignEvery > 0 && c.AssignEvery < 10*time.Second) {
		errs = append(errs, fmt.Errorf("--assign-every %s: want 0 (on demand only) or at least 10s", c.AssignEvery))
	}
	if c.RoomBefore < 0 || c.RoomAfter <= 0 || c.RoomBefore+c.RoomAfter > 24*time.Hour {
		errs = append(errs, fmt.Errorf("--room-before %s, --room-after %s: want a window of up to a day around the start", c.RoomBefore, c.RoomAfter))
	}
	if _, err := loadZone(c.ConsultZone); err != nil {
		errs = append(errs, err)
	}
	if c.LanguageRule != "penalty" && c.LanguageRule != "hard" {
		errs = append(errs, fmt.Errorf("--language-rule %q: want penalty or hard", c.LanguageRule))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// option binds one setting to its flag and TIDE_* variable.
type option struct {
	flag, env, usage string
	set              func(fs *flag.FlagSet, name, usage string)
}

// options lists the serve settings; `tide help` prints them.
func (c *Config) options() []option {
	str := func(p *string) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.StringVar(p, n, *p, u) }
	}
	boolean := func(p *bool) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.BoolVar(p, n, *p, u) }
	}
	return []option{
		{"addr", "TIDE_ADDR", "listen address HOST:PORT", str(&c.Addr)},
		{"data", "TIDE_DATA", "data folder (the SQLite database lives here)", str(&c.Data)},
		{"db", "TIDE_DB", "database: sqlite:PATH or postgres://USER@HOST/DB (default: sqlite in --data)", str(&c.DB)},
		{"demo", "TIDE_DEMO", "fill an empty database with the fictional demo province", boolean(&c.Demo)},
		{"demo-password", "TIDE_DEMO_PASSWORD", "password of every demo account (random and printed when empty)", str(&c.DemoPassword)},
		{"demo-seed", "TIDE_DEMO_SEED", "seed of the demo generator", func(fs *flag.FlagSet, n, u string) { fs.Uint64Var(&c.DemoSeed, n, c.DemoSeed, u) }},
		{"log-format", "TIDE_LOG_FORMAT", "auto (text on a terminal, JSON otherwise), text or json", str(&c.LogFormat)},
		{"log-level", "TIDE_LOG_LEVEL", "debug, info, warn or error", str(&c.LogLevel)},
		{"tls-cert", "TIDE_TLS_CERT", "TLS certificate file (serve HTTPS)", str(&c.TLSCert)},
		{"tls-key", "TIDE_TLS_KEY", "TLS key file", str(&c.TLSKey)},
		{"trust-proxy", "TIDE_TRUST_PROXY", "honour X-Forwarded-Proto from a TLS proxy in front", boolean(&c.TrustProxy)},
		{"secure-cookies", "TIDE_SECURE_COOKIES", "always mark cookies Secure", boolean(&c.SecureCookies)},
		{"ice-servers", "TIDE_ICE_SERVERS", "STUN and TURN servers of consultation video rooms, comma-separated: stun:HOST:PORT, turn:USER:PASSWORD@HOST:PORT[?transport=tcp], password percent-encoded (default: none, which works on one network)", str(&c.ICEServers)},
		{"id-key", "TIDE_ID_KEY", "key sealing national ID numbers: 64 hex digits or base64 (default: id.key in --data, made on first start)", str(&c.IDKey)},
		{"policy-dir", "TIDE_POLICY_DIR", "folder of extra policy files (YAML or JSON) besides the shipped ones", str(&c.PolicyDir)},
		{"exit-policy", "TIDE_EXIT_POLICY", "policy households are assessed against for exit and monitoring", str(&c.ExitPolicy)},
		{"exit-posting-days", "TIDE_EXIT_POSTING_DAYS", "days an exit is publicly posted before the county may approve it", func(fs *flag.FlagSet, n, u string) { fs.IntVar(&c.PostingDays, n, c.PostingDays, u) }},
		{"order-batch", "TIDE_ORDER_BATCH", "most orders written in one transaction", func(fs *flag.FlagSet, n, u string) { fs.IntVar(&c.OrderBatch, n, c.OrderBatch, u) }},
		{"order-writers", "TIDE_ORDER_WRITERS", "order transactions in flight at once (more pays on PostgreSQL)", func(fs *flag.FlagSet, n, u string) { fs.IntVar(&c.OrderWriters, n, c.OrderWriters, u) }},
		{"payment-secret", "TIDE_PAYMENT_SECRET", "secret signing the payment provider's callbacks (default: random at each start)", str(&c.PaymentSecret)},
		{"unpaid-timeout", "TIDE_UNPAID_TIMEOUT", "how long an unpaid order holds its units before it is cancelled", func(fs *flag.FlagSet, n, u string) { fs.DurationVar(&c.UnpaidTimeout, n, c.UnpaidTimeout, u) }},
		{"blocked-words", "TIDE_BLOCKED_WORDS", "file of words refused in live-room comments, one a line", str(&c.BlockedWords)},
		{"smtp", "TIDE_SMTP", "SMTP server sending sign-up codes: smtp://USER:PASSWORD@HOST:PORT?from=ADDRESS (default: write codes to the log)", str(&c.SMTP)},
		{"sms", "TIDE_SMS", "HTTP SMS gateway sending sign-up codes to phones: https://USER:PASSWORD@HOST/PATH, posted JSON {\"to\", \"text\"} (default: write codes to the log)", str(&c.SMS)},
		{"assign-every", "TIDE_ASSIGN_EVERY", "how often open consultation requests are assigned (0: on demand only)", func(fs *flag.FlagSet, n, u string) { fs.DurationVar(&c.AssignEvery, n, c.AssignEvery, u) }},
		{"consult-zone", "TIDE_CONSULT_ZONE", "time zone of specialists' weekly hours, such as Asia/Shanghai", str(&c.ConsultZone)},
		{"language-rule", "TIDE_LANGUAGE_RULE", "penalty: a specialist without the patient's language costs more; hard: is never chosen", str(&c.LanguageRule)},
		{"room-before", "TIDE_ROOM_BEFORE", "how long before a consultation its video room opens", func(fs *flag.FlagSet, n, u string) { fs.DurationVar(&c.RoomBefore, n, c.RoomBefore, u) }},
		{"room-after", "TIDE_ROOM_AFTER", "how long after a consultation's start its video room closes", func(fs *flag.FlagSet, n, u string) { fs.DurationVar(&c.RoomAfter, n, c.RoomAfter, u) }},
		{"shutdown-wait", "TIDE_SHUTDOWN_WAIT", "how long to let requests finish on shutdown", func(fs *flag.FlagSet, n, u string) { fs.DurationVar(&c.ShutdownWait, n, c.ShutdownWait, u) }},
	}
}

// FlagSet returns the flags named in names (all when names is nil), their
// defaults taken from the TIDE_* environment first.
func (c *Config) FlagSet(cmd string, names []string, getenv func(string) string) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet("tide "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, o := range c.options() {
		if names != nil && !contains(names, o.flag) {
			continue
		}
		o.set(fs, o.flag, o.usage+" ["+o.env+"]")
		if v := getenv(o.env); v != "" {
			if err := fs.Set(o.flag, v); err != nil {
				return nil, fmt.Errorf("%s=%q: %v", o.env, v, err)
			}
		}
	}
	return fs, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// printOptions writes the settings of names with their variables.
func (c *Config) printOptions(w io.Writer, names []string) {
	for _, o := range c.options() {
		if names != nil && !contains(names, o.flag) {
			continue
		}
		fmt.Fprintf(w, "  --%-16s %-20s %s\n", o.flag, o.env, o.usage)
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func parseBoolEnv(s string) bool { b, _ := strconv.ParseBool(s); return b }
