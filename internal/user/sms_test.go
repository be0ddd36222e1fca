package user

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tide-project/tide/internal/tide"
)

// gateway is an SMS gateway that keeps what it is sent and answers status.
type gateway struct {
	mu     sync.Mutex
	status int
	got    []map[string]string
	auth   []string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m map[string]string
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&m) != nil {
		http.Error(w, "want a JSON POST", http.StatusBadRequest)
		return
	}
	u, p, _ := r.BasicAuth()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.got, g.auth = append(g.got, m), append(g.auth, u+":"+p)
	if g.status != 0 {
		http.Error(w, "no credit left", g.status)
	}
}

func TestSMSSender(t *testing.T) {
	g := &gateway{}
	srv := httptest.NewServer(g)
	defer srv.Close()
	sms, err := NewSMSSender(strings.Replace(srv.URL, "http://", "http://tide:s3cret@", 1) + "/send")
	if err != nil {
		t.Fatal(err)
	}

	// A sign-up code goes through the service to the gateway.
	svc := NewService(nil)
	svc.Sender = sms
	if err := svc.SendCode(context.Background(), "+84 912 345 678"); err != nil {
		t.Fatalf("send code: %v", err)
	}
	if len(g.got) != 1 || g.got[0]["to"] != "+84912345678" || !regexp.MustCompile(`\b[0-9]{6}\b`).MatchString(g.got[0]["text"]) {
		t.Fatalf("gateway got %v, want the code for +84912345678", g.got)
	}
	if g.auth[0] != "tide:s3cret" {
		t.Errorf("gateway authenticated as %q, want tide:s3cret", g.auth[0])
	}

	t.Run("ErrEmail", func(t *testing.T) {
		err := sms.Send(context.Background(), "mei@example.com", "x")
		var e *tide.Error
		if !errors.As(err, &e) || e.Code != tide.EINVALID || e.Field != "contact" {
			t.Errorf("send to an e-mail address: %v, want EINVALID naming contact", err)
		}
		if len(g.got) != 1 {
			t.Errorf("the gateway was called for an e-mail address")
		}
	})
	t.Run("ErrGateway", func(t *testing.T) {
		g.status = http.StatusPaymentRequired
		err := sms.Send(context.Background(), "+84912345679", "x")
		if err == nil || !strings.Contains(err.Error(), "402") || !strings.Contains(err.Error(), "no credit left") {
			t.Errorf("a refusing gateway: %v, want its status and answer", err)
		}
		g.status = 0
	})
	t.Run("ByContact", func(t *testing.T) {
		mail := &recordSender{}
		both := ByContact{Email: mail, Phone: sms}
		if err := both.Send(context.Background(), "mei@example.com", "m"); err != nil || len(mail.to) != 1 {
			t.Errorf("e-mail through both: %v, %v", err, mail.to)
		}
		before := len(g.got)
		if err := both.Send(context.Background(), "+84912345670", "p"); err != nil || len(g.got) != before+1 {
			t.Errorf("phone through both: %v, gateway got %d, want %d", err, len(g.got), before+1)
		}
		if err := (ByContact{Email: mail}).Send(context.Background(), "+84912345670", "p"); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("phone with only e-mail: %v, want EINVALID", err)
		}
	})
}

type recordSender struct{ to []string }

func (r *recordSender) Send(ctx context.Context, to, message string) error {
	r.to = append(r.to, to)
	return nil
}

func TestNewSMSSender(t *testing.T) {
	for _, tc := range []struct {
		raw string
		ok  bool
	}{
		{"https://user:pw@sms.example.com/v1/send", true},
		{"http://127.0.0.1:9000/send", true},
		{"http://localhost/send", true},
		{"http://sms.example.com/send", false},
		{"smtp://sms.example.com", false},
		{"sms.example.com/send", false},
		{"", false},
	} {
		if _, err := NewSMSSender(tc.raw); (err == nil) != tc.ok {
			t.Errorf("NewSMSSender(%q): %v, want ok %v", tc.raw, err, tc.ok)
		}
	}
}
