package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestFirstAdministratorPasswordIsOneTime starts an empty Tide as `tide
// serve` would, signs in with the printed password, and checks that every
// page leads to the account page until a new password is chosen.
func TestFirstAdministratorPasswordIsOneTime(t *testing.T) {
	var out bytes.Buffer
	m := NewMain()
	m.Config.Addr, m.Config.Data, m.Out = "127.0.0.1:0", t.TempDir(), &out
	t.Cleanup(func() { m.Close() })
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	match := regexp.MustCompile(`one-time password (\S+)`).FindStringSubmatch(out.String())
	if match == nil {
		t.Fatalf("no one-time password printed: %q", out.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(m.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	csrf := func() string {
		u, _ := url.Parse(m.URL())
		for _, ck := range jar.Cookies(u) {
			if ck.Name == "tide_csrf" {
				return ck.Value
			}
		}
		t.Fatal("no CSRF cookie")
		return ""
	}
	post := func(path string, form url.Values) (*http.Response, string) {
		t.Helper()
		form.Set("csrf", csrf())
		resp, err := c.PostForm(m.URL()+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	get("/login")
	if resp, _ := post("/login", url.Values{"name": {"admin"}, "password": {match[1]}}); resp.Request.URL.Path != "/account" {
		t.Fatalf("after first sign-in landed on %s, want /account", resp.Request.URL.Path)
	}
	if resp, _ := get("/regions"); resp.Request.URL.Path != "/account" {
		t.Errorf("/regions with a one-time password went to %s, want /account", resp.Request.URL.Path)
	}
	if resp, body := post("/account/password", url.Values{"current": {"wrong-one"}, "password": {"a-new-pass-1"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "current password is wrong") {
		t.Errorf("wrong current password: status %d", resp.StatusCode)
	}
	if resp, body := post("/account/password", url.Values{"current": {match[1]}, "password": {"a-new-pass-1"}}); !strings.Contains(body, `id="password-changed"`) {
		t.Fatalf("password change: status %d, no confirmation", resp.StatusCode)
	}
	if resp, _ := get("/regions"); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/regions" {
		t.Errorf("/regions after the change: %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	// A CSRF-less form post is refused.
	resp, err := c.PostForm(m.URL()+"/account/password", url.Values{"current": {"a-new-pass-1"}, "password": {"another-pass"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("form without CSRF token: status %d, want 403", resp.StatusCode)
	}
}
