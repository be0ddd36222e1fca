package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"math/big"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

// Sender delivers a one-time code to a phone number or an e-mail address.
// Real senders (an SMS gateway, SMTP) sit behind it; LogSender is for
// development and trials.
type Sender interface {
	Send(ctx context.Context, to, message string) error
}

// LogSender writes each message to the log instead of sending it, so a
// development server can be signed up to without a gateway.
type LogSender struct{ Logger *slog.Logger }

// Send logs the message.
func (s LogSender) Send(ctx context.Context, to, message string) error {
	s.Logger.Info("one-time code (log sender: nothing was sent)", "to", to, "message", message)
	return nil
}

// Bounds on one-time codes: how long a code lives, how many wrong guesses
// spend it, and how soon another may be asked for the same contact.
const (
	CodeTTL      = 10 * time.Minute
	CodeAttempts = 5
	CodeInterval = time.Minute
)

// NormalContact returns a phone number as + and its digits, or an e-mail
// address in lower case, or EINVALID naming the field "contact".
func NormalContact(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		a, err := mail.ParseAddress(s)
		if err != nil || a.Name != "" || len(a.Address) > 254 || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") {
			return "", tide.Invalid("contact", "%q is not an e-mail address", s)
		}
		return strings.ToLower(a.Address), nil
	}
	digits := strings.Map(func(c rune) rune {
		switch {
		case c >= '0' && c <= '9':
			return c
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.':
			return -1
		}
		return 'x'
	}, strings.TrimPrefix(s, "+"))
	if strings.Contains(digits, "x") || len(digits) < 7 || len(digits) > 15 {
		return "", tide.Invalid("contact", "give a phone number with its country code (+84 …) or an e-mail address")
	}
	return "+" + digits, nil
}

// pendingCode is a code sent and not yet used.
type pendingCode struct {
	hash    [32]byte
	sent    time.Time
	guesses int
}

// codes holds the codes sent, by contact, in memory: a code outlives
// neither its ten minutes nor a restart.
type codes struct {
	mu      sync.Mutex
	pending map[string]*pendingCode
}

// SendCode sends a six-digit code to contact for opening a public account.
func (s *Service) SendCode(ctx context.Context, contact string) error {
	to, err := NormalContact(contact)
	if err != nil {
		return err
	}
	if s.Sender == nil {
		return tide.Errorf(tide.ECONFLICT, "this server sends no codes; ask its administrator")
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	now := s.now()
	s.codes.mu.Lock()
	if s.codes.pending == nil {
		s.codes.pending = map[string]*pendingCode{}
	}
	if p := s.codes.pending[to]; p != nil && now.Sub(p.sent) < CodeInterval {
		s.codes.mu.Unlock()
		return tide.Errorf(tide.ETOOMANY, "a code was sent a moment ago; wait a minute before asking again")
	}
	for k, p := range s.codes.pending {
		if now.Sub(p.sent) > CodeTTL {
			delete(s.codes.pending, k)
		}
	}
	s.codes.pending[to] = &pendingCode{hash: sha256.Sum256([]byte(code)), sent: now}
	s.codes.mu.Unlock()
	return s.Sender.Send(ctx, to, "Your Tide code is "+code+". It works for 10 minutes.")
}

// checkCode spends a code sent to contact: right once, or wrong at most
// CodeAttempts times.
func (s *Service) checkCode(contact, code string) error {
	s.codes.mu.Lock()
	defer s.codes.mu.Unlock()
	p := s.codes.pending[contact]
	if p == nil || s.now().Sub(p.sent) > CodeTTL {
		return tide.Invalid("code", "no code is waiting for %s; ask for a new one", contact)
	}
	h := sha256.Sum256([]byte(strings.TrimSpace(code)))
	if subtle.ConstantTimeCompare(h[:], p.hash[:]) != 1 {
		if p.guesses++; p.guesses >= CodeAttempts {
			delete(s.codes.pending, contact)
			return tide.Invalid("code", "the code is wrong, and that was the last try; ask for a new one")
		}
		return tide.Invalid("code", "the code is wrong")
	}
	delete(s.codes.pending, contact)
	return nil
}
