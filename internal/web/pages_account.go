package web

import (
	"net/http"
	"strings"

	"github.com/tide-project/tide/internal/tide"
)

func (s *Server) routeAccountPages() {
	s.page("GET /account", s.accountPage)
	s.page("POST /account/password", s.passwordSubmit)
}

// mustChangeAllowed lists the pages a person with a one-time password may
// reach before choosing their own.
func mustChangeAllowed(path string) bool {
	return path == "/account" || path == "/account/password" || path == "/logout" || path == "/lang" ||
		strings.HasPrefix(path, "/static/")
}

type accountData struct {
	Changed bool
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	v := s.newView(r, "account.title", accountData{Changed: r.URL.Query().Get("changed") == "1"})
	if a.MustChangePassword {
		v.Error = v.T("account.must")
	}
	s.render(w, r, http.StatusOK, "account", v)
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	err := s.Users.ChangeOwnPassword(r.Context(), r.PostFormValue("current"), r.PostFormValue("password"))
	if err != nil {
		if tide.ErrorCode(err) != tide.EINVALID {
			s.pageError(w, r, err)
			return
		}
		v := s.newView(r, "account.title", accountData{})
		v.Error = tide.ErrorMessage(err)
		s.render(w, r, http.StatusBadRequest, "account", v)
		return
	}
	http.Redirect(w, r, "/account?changed=1", http.StatusSeeOther)
}
