package web

import (
	"crypto/subtle"
	"net/http"

	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// Cookie names.
const (
	sessionCookie = "tide_session"
	csrfCookie    = "tide_csrf"
	langCookie    = "tide_lang"
)

func (s *Server) secure(r *http.Request) bool {
	return s.SecureCookies || r.TLS != nil || (s.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
}

// pageAuth resolves the session cookie to the actor for page handlers, and
// makes sure the browser holds a CSRF token for its forms.
func (s *Server) pageAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(csrfCookie); err != nil || len(c.Value) < 32 {
			token := user.RandomSecret(24)
			s.setCookie(w, r, csrfCookie, token, 0)
			r.AddCookie(&http.Cookie{Name: csrfCookie, Value: token})
		}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			if a, err := s.Users.AuthenticateActor(r.Context(), c.Value); err == nil {
				r = r.WithContext(tide.WithActor(r.Context(), a))
			} else if tide.ErrorCode(err) == tide.EUNAUTHORIZED {
				s.setCookie(w, r, sessionCookie, "", -1)
			}
		}
		if a := tide.ActorFrom(r.Context()); a != nil && a.MustChangePassword && !mustChangeAllowed(r.URL.Path) {
			http.Redirect(w, r, "/account", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !s.validCSRF(r) {
			s.renderError(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// csrfToken returns the token forms must echo: the value of the CSRF cookie,
// which another site can neither read nor set (double-submit, SameSite=Lax).
func csrfToken(r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil {
		return c.Value
	}
	return ""
}

func (s *Server) validCSRF(r *http.Request) bool {
	r.Body = http.MaxBytesReader(nil, r.Body, MaxFormBody)
	want := csrfToken(r)
	got := r.PostFormValue("csrf")
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// validCSRFHeader checks the X-CSRF-Token header against the cookie, leaving
// the body unread.
func (s *Server) validCSRFHeader(r *http.Request) bool {
	want, got := csrfToken(r), r.Header.Get("X-CSRF-Token")
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// MaxFormBody bounds a page form.
const MaxFormBody = 1 << 20
