package user

import (
	"context"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"strings"

	"github.com/tide-project/tide/internal/tide"
)

// SMTPSender sends codes to e-mail addresses through an SMTP server;
// it has no way to a phone, and says so.
type SMTPSender struct {
	addr, from string
	auth       smtp.Auth
}

// NewSMTPSender reads smtp://USER:PASSWORD@HOST:PORT?from=ADDRESS; the user
// and password are optional, the sender's address is not.
func NewSMTPSender(raw string) (*SMTPSender, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Host == "" {
		return nil, fmt.Errorf("want smtp://USER:PASSWORD@HOST:PORT?from=ADDRESS")
	}
	from := u.Query().Get("from")
	if from == "" {
		return nil, fmt.Errorf("the SMTP address needs ?from=ADDRESS")
	}
	s := &SMTPSender{addr: u.Host, from: from}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		s.addr = net.JoinHostPort(u.Host, "587")
	}
	if pw, ok := u.User.Password(); ok {
		s.auth = smtp.PlainAuth("", u.User.Username(), pw, u.Hostname())
	}
	return s, nil
}

// Send mails the message to an e-mail address.
func (s *SMTPSender) Send(ctx context.Context, to, message string) error {
	if !strings.Contains(to, "@") {
		return tide.Invalid("contact", "this server sends codes by e-mail only; give an e-mail address")
	}
	body := "From: " + s.from + "\r\nTo: " + to + "\r\nSubject: Your Tide code\r\n\r\n" + message + "\r\n"
	return smtp.SendMail(s.addr, s.auth, s.from, []string{to}, []byte(body))
}
