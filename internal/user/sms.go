package user

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

// SMSSender sends codes to phone numbers through an HTTP SMS gateway: each
// message is one POST of {"to": "+8613800000000", "text": "…"} as JSON to
// the gateway's address, with the address's user and password as basic
// authentication. Any 2xx answer means the gateway took the message.
type SMSSender struct {
	endpoint   string
	user, pass string
	// Client sends the requests; NewSMSSender gives it a timeout.
	Client *http.Client
}

// smsTimeout bounds one call to the gateway, so a slow gateway cannot hold
// a sign-up open.
const smsTimeout = 10 * time.Second

// NewSMSSender reads https://USER:PASSWORD@HOST/PATH; the user and password
// are optional. Plain http is taken only for a gateway on this machine.
func NewSMSSender(raw string) (*SMSSender, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("want https://USER:PASSWORD@HOST/PATH")
	}
	if u.Scheme == "http" && u.Hostname() != "localhost" && u.Hostname() != "127.0.0.1" && u.Hostname() != "::1" {
		return nil, fmt.Errorf("the SMS gateway must be https, or http on this machine, so its password is not sent in the clear")
	}
	s := &SMSSender{Client: &http.Client{Timeout: smsTimeout}}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		u.User = nil
	}
	s.endpoint = u.String()
	return s, nil
}

// Send posts the message for a phone number to the gateway.
func (s *SMSSender) Send(ctx context.Context, to, message string) error {
	if !strings.HasPrefix(to, "+") {
		return tide.Invalid("contact", "this server sends codes by SMS only; give a phone number")
	}
	body, _ := json.Marshal(map[string]string{"to": to, "text": message})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if s.user != "" || s.pass != "" {
		req.SetBasicAuth(s.user, s.pass)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	defer resp.Body.Close()
	detail, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sms gateway answered %s: %s", resp.Status, strings.TrimSpace(string(detail)))
	}
	return nil
}

// ByContact sends to e-mail addresses through Email and to phone numbers
// through Phone, so a server may have both an SMTP and an SMS sender. A
// contact with no sender of its kind is refused, naming the field.
type ByContact struct {
	Email, Phone Sender
}

// Send passes the message to the sender for to's kind.
func (b ByContact) Send(ctx context.Context, to, message string) error {
	if strings.Contains(to, "@") {
		if b.Email == nil {
			return tide.Invalid("contact", "this server sends codes by SMS only; give a phone number")
		}
		return b.Email.Send(ctx, to, message)
	}
	if b.Phone == nil {
		return tide.Invalid("contact", "this server sends codes by e-mail only; give an e-mail address")
	}
	return b.Phone.Send(ctx, to, message)
}
