// Package web is Tide's HTTP side: the JSON API under /api/v1, the pages, the
// OpenAPI document, health, metrics and the embedded assets.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tide-project/tide/internal/analytics"
	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/geo"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/live"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/overview"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/rtc"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// Store is what the web layer needs of the database beyond the services.
type Store interface {
	audit.Store
	Ping(ctx context.Context) error
}

// Server holds the services the handlers call. Build it, then call Handler.
type Server struct {
	Regions *region.Service
	Users   *user.Service
	// Registry, Analytics and Policies serve households and measures.
	Registry  *registry.Service
	Analytics *analytics.Service
	Policies  registry.Policies
	Market    *market.Service
	// Engage serves needs and donations; nil answers its routes 404.
	Engage *engage.Service
	// Connect serves villages' connections, schools and remote classes;
	// nil answers its routes 404. Boundaries draws the overview's map and
	// Overview composes it; nil answers theirs 404.
	Connect    *connect.Service
	Boundaries *geo.Service
	Overview   *overview.Service
	// Health serves remote consultation; nil answers its routes 404.
	Health *health.Service
	// Participation counts the public's purchases and donations.
	Participation engage.ParticipationStore
	// Live sends live rooms' state to their viewers.
	Live *live.Hub
	// Consult lets the parties into consultations' video rooms; nil answers
	// the room routes 404. ICEServers are the STUN and TURN servers the
	// rooms' browsers use; none works on a LAN.
	Consult    ConsultRooms
	ICEServers []rtc.ICEServer
	// Orders places the orders of the order route; nil means Market.
	Orders  OrderPlacer
	Store   Store
	Logger  *slog.Logger
	Version string
	// SecureCookies marks cookies Secure; it is set when Tide serves TLS or
	// sits behind a TLS proxy (see TrustProxy).
	SecureCookies bool
	// TrustProxy honours X-Forwarded-Proto for the Secure flag.
	TrustProxy bool
	// Demo notes on every page that the people shown are synthetic.
	Demo bool

	mux       *http.ServeMux
	likeLimit *rateLimit
	// itemLikeLimit bounds each person's likes of products and needs.
	itemLikeLimit *rateLimit
	// addrLikeLimit bounds the likes of everyone behind one address.
	addrLikeLimit *rateLimit
	apiRoutes     []string
	pages         *pages
	rooms         *rtc.Hub
	metrics       *metrics

	// roomLikers remembers who was recorded liking which live room.
	roomLikers roomLikers
}

// Handler builds the routes and returns the server's root handler.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	s.mux = http.NewServeMux()
	s.pages = mustParsePages()
	s.metrics = newMetrics()
	s.routeAPI()
	s.routePages()
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.Handle("GET /metrics", s.metrics.handler())
	return s.metrics.wrap(s.recoverPanics(securityHeaders(s.mux)))
}

// APIRoutes lists the API patterns registered, for the OpenAPI test.
func (s *Server) APIRoutes() []string { return s.apiRoutes }

// api registers an API route; handlers receive the request's actor in its
// context and must call the domain services, which apply scope and rights.
func (s *Server) api(pattern string, h http.HandlerFunc) {
	s.apiRoutes = append(s.apiRoutes, pattern)
	s.mux.Handle(pattern, s.apiAuth(h))
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// apiAuth resolves a bearer token, or a session cookie sent with its CSRF
// token, to the actor, from memory when it was resolved lately. Routes that
// need no account (login, the OpenAPI document) work without one; the
// services refuse the rest.
func (s *Server) apiAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth := r.Header.Get("Authorization"); auth != "" {
			secret, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok {
				s.Error(w, r, tide.Errorf(tide.EUNAUTHORIZED, "use Authorization: Bearer TOKEN"))
				return
			}
			a, err := s.Users.AuthenticateActor(r.Context(), strings.TrimSpace(secret))
			if err != nil {
				s.Error(w, r, err)
				return
			}
			r = r.WithContext(tide.WithActor(r.Context(), a))
		} else if r.Header.Get("X-CSRF-Token") != "" {
			// A page calling the API with fetch: its session cookie counts
			// only with the CSRF token echoed, which another site cannot.
			if !s.validCSRFHeader(r) {
				s.Error(w, r, tide.Errorf(tide.EFORBIDDEN, "the X-CSRF-Token header does not match the tide_csrf cookie"))
				return
			}
			if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
				a, err := s.Users.AuthenticateActor(r.Context(), c.Value)
				if err != nil {
					s.Error(w, r, err)
					return
				}
				r = r.WithContext(tide.WithActor(r.Context(), a))
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) recoverPanics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				s.Logger.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// The security headers' values are shared by every response: a slice of one
// value is only ever replaced, never written in place (Header.Add appends a
// copy), so sharing them spares the order route four allocations.
var (
	nosniff     = []string{"nosniff"}
	frameDeny   = []string{"DENY"}
	sameOrigin  = []string{"same-origin"}
	contentRule = []string{"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"}
)

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["X-Content-Type-Options"] = nosniff
		hd["X-Frame-Options"] = frameDeny
		hd["Referrer-Policy"] = sameOrigin
		hd["Content-Security-Policy"] = contentRule
		h.ServeHTTP(w, r)
	})
}

// requireActor returns the actor or writes 401.
func (s *Server) requireActor(w http.ResponseWriter, r *http.Request) *tide.Actor {
	a := tide.ActorFrom(r.Context())
	if a == nil {
		s.Error(w, r, tide.Errorf(tide.EUNAUTHORIZED, "sign in first: send Authorization: Bearer TOKEN"))
	}
	return a
}
