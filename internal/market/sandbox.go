package market

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

// SignatureHeader carries a callback's signature: t=UNIX,v1=HEX, where HEX is
// the HMAC-SHA256 of "UNIX." followed by the body, under the shared secret.
const SignatureHeader = "Tide-Signature"

// SignatureTolerance is how far a callback's time may lie from now, either
// way, so that a captured callback cannot be replayed later.
const SignatureTolerance = 5 * time.Minute

// Sandbox is the built-in provider for trials and tests: nobody pays, but its
// callbacks are signed and checked as a real provider's webhooks are.
type Sandbox struct {
	secret       []byte
	checkoutBase string
	Now          func() time.Time
}

// NewSandbox returns a sandbox provider signing with secret, whose checkout
// page is at checkoutBase (the payment's ID is added as ?payment=).
func NewSandbox(secret []byte, checkoutBase string) *Sandbox {
	return &Sandbox{secret: secret, checkoutBase: checkoutBase, Now: time.Now}
}

// Name is "sandbox".
func (s *Sandbox) Name() string { return "sandbox" }

// Checkout answers the sandbox checkout page's address for the payment.
func (s *Sandbox) Checkout(ctx context.Context, p *Payment) (string, error) {
	sep := "?"
	if strings.Contains(s.checkoutBase, "?") {
		sep = "&"
	}
	return s.checkoutBase + sep + "payment=" + url.QueryEscape(p.ID), nil
}

// Refund returns nothing anywhere: no money moved.
func (s *Sandbox) Refund(ctx context.Context, p *Payment) error { return nil }

// Sign returns the headers and body of a genuine callback reporting ev, as
// the sandbox checkout page sends it.
func (s *Sandbox) Sign(ev PaymentEvent) (http.Header, []byte) {
	body, _ := json.Marshal(ev)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(SignatureHeader, s.signature(s.Now().Unix(), body))
	return h, body
}

func (s *Sandbox) signature(unix int64, body []byte) string {
	return fmt.Sprintf("t=%d,v1=%s", unix, hex.EncodeToString(s.mac(unix, body)))
}

func (s *Sandbox) mac(unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(strconv.FormatInt(unix, 10) + "."))
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks the signature in constant time and the time against
// SignatureTolerance, and decodes the event.
func (s *Sandbox) Verify(h http.Header, body []byte) (*PaymentEvent, error) {
	unix, sig, ok := parseSignature(h.Get(SignatureHeader))
	if !ok {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "the callback has no valid %s header", SignatureHeader)
	}
	if !hmac.Equal(sig, s.mac(unix, body)) {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "the callback's signature does not match")
	}
	if d := s.Now().Sub(time.Unix(unix, 0)); d > SignatureTolerance || d < -SignatureTolerance {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "the callback was signed too long ago or in the future")
	}
	var ev PaymentEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, tide.Invalid("body", "the callback's body is not a payment event: %v", err)
	}
	return &ev, nil
}

// parseSignature reads "t=UNIX,v1=HEX".
func parseSignature(v string) (unix int64, sig []byte, ok bool) {
	var haveT bool
	for _, part := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			n, err := strconv.ParseInt(val, 10, 64)
			unix, haveT = n, err == nil
		case "v1":
			b, err := hex.DecodeString(val)
			if err == nil && len(b) == sha256.Size {
				sig = b
			}
		}
	}
	return unix, sig, haveT && sig != nil
}
