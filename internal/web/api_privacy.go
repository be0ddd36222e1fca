package web

import (
	"net/http"

	"github.com/tide-project/tide/internal/user"
)

// routePrivacyAPI registers the caller's own privacy settings.
func (s *Server) routePrivacyAPI() {
	s.api("GET /api/v1/me/privacy", s.apiPrivacy)
	s.api("PUT /api/v1/me/privacy", s.apiSetPrivacy)
}

func (s *Server) apiPrivacy(w http.ResponseWriter, r *http.Request) {
	p, err := s.Users.Privacy(r.Context())
	answer(s, w, r, http.StatusOK, p, err)
}

// apiSetPrivacy replaces the caller's privacy settings with the body's.
func (s *Server) apiSetPrivacy(w http.ResponseWriter, r *http.Request) {
	var p user.Privacy
	if err := decode(w, r, &p); err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.Users.SetPrivacy(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u.Privacy)
}
