package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// TestSMSSenderFromEnvironment checks that TIDE_SMS reaches the sign-up
// codes: a code for a phone goes to the gateway, and with no SMTP server an
// e-mail address is refused naming the contact.
func TestSMSSenderFromEnvironment(t *testing.T) {
	var got []map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		json.NewDecoder(r.Body).Decode(&m)
		got = append(got, m)
	}))
	defer srv.Close()
	env := map[string]string{"TIDE_SMS": srv.URL + "/send"}
	m := NewMain()
	if err := m.ParseFlags(nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	m.Users = user.NewService(nil)
	if err := m.openSender(); err != nil {
		t.Fatal(err)
	}
	if err := m.Users.SendCode(context.Background(), "+86 138 0000 0000"); err != nil {
		t.Fatalf("send a code: %v", err)
	}
	if len(got) != 1 || got[0]["to"] != "+8613800000000" {
		t.Errorf("the gateway got %v, want one message to +8613800000000", got)
	}
	if err := m.Users.SendCode(context.Background(), "mei@example.com"); tide.ErrorCode(err) != tide.EINVALID {
		t.Errorf("an e-mail address with only SMS: %v, want EINVALID", err)
	}

	bad := NewMain()
	if err := bad.ParseFlags([]string{"--sms", "http://sms.example.com/send"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	bad.Users = user.NewService(nil)
	if err := bad.openSender(); err == nil {
		t.Error("a plain-http gateway elsewhere was taken")
	}
}
