package web

import (
	"net/http"
	"strings"

	"github.com/tide-project/tide/internal/tide"
)

func (s *Server) routeAccountPages() {
	s.page("GET /account", s.accountPage)
	s.page("POST /account/password", s.passwordSubmit)
	s.page("POST /account/delete", s.deleteAccountSubmit)
}

// mustChangeAllowed lists the pages a person with a one-time password may
// reach before choosing their own.
func mustChangeAllowed(path string) bool {
	return path == "/account" || path == "/account/password" || path == "/logout" || path == "/lang" ||
		strings.HasPrefix(path, "/static/")
}

type accountData struct {
	Changed bool
	// MayDelete is set for a public account, which its owner may delete.
	MayDelete bool
}

// mayDelete reports whether a may delete their own account.
func mayDelete(a *tide.Actor) bool {
	return a != nil && len(a.Roles) == 1 && a.Roles[0] == tide.RolePublic
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	v := s.newView(r, "account.title", accountData{Changed: r.URL.Query().Get("changed") == "1", MayDelete: mayDelete(a)})
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
		v := s.newView(r, "account.title", accountData{MayDelete: mayDelete(tide.ActorFrom(r.Context()))})
		v.Error = tide.ErrorMessage(err)
		s.render(w, r, http.StatusBadRequest, "account", v)
		return
	}
	http.Redirect(w, r, "/account?changed=1", http.StatusSeeOther)
}

// deleteAccountSubmit deletes the caller's public account and signs them out.
func (s *Server) deleteAccountSubmit(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	if err := s.Users.DeleteOwn(r.Context(), r.PostFormValue("password")); err != nil {
		if tide.ErrorCode(err) != tide.EINVALID {
			s.pageError(w, r, err)
			return
		}
		v := s.newView(r, "account.title", accountData{MayDelete: mayDelete(a)})
		v.Error = tide.ErrorMessage(err)
		s.render(w, r, http.StatusBadRequest, "account", v)
		return
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/market", http.StatusSeeOther)
}
