package web

import (
	"net/http"
	"strings"

	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

func (s *Server) routeAccountPages() {
	s.page("GET /account", s.accountPage)
	s.page("POST /account/password", s.passwordSubmit)
	s.page("POST /account/delete", s.deleteAccountSubmit)
	s.page("POST /account/privacy", s.privacySubmit)
}

// mustChangeAllowed lists the pages a person with a one-time password may
// reach before choosing their own.
func mustChangeAllowed(path string) bool {
	return path == "/account" || path == "/account/password" || path == "/logout" || path == "/lang" ||
		strings.HasPrefix(path, "/static/")
}

type accountData struct {
	Changed bool
	// MayDelete is set for a public account, which its owner may delete
	// and whose privacy they set.
	MayDelete bool
	Privacy   user.Privacy
	// PrivacySaved is set after the privacy form was saved.
	PrivacySaved bool
}

// mayDelete reports whether a may delete their own account.
func mayDelete(a *tide.Actor) bool {
	return a != nil && len(a.Roles) == 1 && a.Roles[0] == tide.RolePublic
}

// accountOf returns what the account page shows of a's account.
func (s *Server) accountOf(r *http.Request, a *tide.Actor) (accountData, error) {
	d := accountData{MayDelete: mayDelete(a)}
	if !d.MayDelete {
		return d, nil
	}
	var err error
	d.Privacy, err = s.Users.Privacy(r.Context())
	return d, err
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	d, err := s.accountOf(r, a)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Changed, d.PrivacySaved = r.URL.Query().Get("changed") == "1", r.URL.Query().Get("privacy") == "1"
	v := s.newView(r, "account.title", d)
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
		d, _ := s.accountOf(r, tide.ActorFrom(r.Context()))
		v := s.newView(r, "account.title", d)
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
		d, _ := s.accountOf(r, a)
		v := s.newView(r, "account.title", d)
		v.Error = tide.ErrorMessage(err)
		s.render(w, r, http.StatusBadRequest, "account", v)
		return
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/market", http.StatusSeeOther)
}

// privacySubmit stores the privacy settings of the caller's public account.
func (s *Server) privacySubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	p := user.Privacy{ShowName: r.PostFormValue("show_name") == "1", HideRegion: r.PostFormValue("hide_region") == "1"}
	if _, err := s.Users.SetPrivacy(r.Context(), p); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?privacy=1", http.StatusSeeOther)
}
