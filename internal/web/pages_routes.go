package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// localPath keeps redirects on this site.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

func (s *Server) routePages() {
	s.routeStatic()
	s.page("GET /login", s.loginPage)
	s.page("POST /login", s.loginSubmit)
	s.page("POST /logout", s.logoutSubmit)
	s.page("POST /lang", s.langSubmit)
	s.page("GET /{$}", s.homePage)
	s.page("GET /regions", s.regionPage)
	s.page("GET /regions/{code}", s.regionPage)
	s.page("GET /users", s.usersPage)
	s.page("POST /users", s.usersSubmit)
	s.page("GET /audit", s.auditPage)
	s.routeRegistryPages()
	s.routeAccountPages()
	s.routeConsultPages()
	s.routeTransferPages()
	s.routeMarketPages()
	s.routeConnectPages()
	s.routeHealthPages()
	s.page("/", func(w http.ResponseWriter, r *http.Request) { s.pageError(w, r, tide.NotFound("page")) })
}

type loginData struct {
	Name, Next string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if tide.ActorFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", s.newView(r, "login.title", loginData{Next: localPath(r.URL.Query().Get("next"))}))
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	name, next := strings.TrimSpace(r.PostFormValue("name")), localPath(r.PostFormValue("next"))
	secret, _, err := s.Users.Login(r.Context(), name, r.PostFormValue("password"), "session")
	if err != nil {
		v := s.newView(r, "login.title", loginData{Name: name, Next: next})
		status := ErrorStatus(err)
		switch tide.ErrorCode(err) {
		case tide.EUNAUTHORIZED:
			v.Error = v.T("login.wrong")
		case tide.ETOOMANY:
			v.Error = v.T("login.throttled")
		default:
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, status, "login", v)
		return
	}
	s.setCookie(w, r, sessionCookie, secret, int(user.SessionTTL.Seconds()))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logoutSubmit(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Users.Logout(r.Context(), c.Value); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) langSubmit(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	ok := false
	for _, l := range Languages {
		ok = ok || l == lang
	}
	if !ok {
		s.pageError(w, r, tide.Invalid("lang", "unknown language"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	s.render(w, r, http.StatusOK, "home", s.newView(r, "home.title", nil))
}

type regionData struct {
	Region    *region.Region
	Ancestors []*region.Region
	Children  []*region.Region
	Total     int
	Offset    int
	Limit     int
	Query     string
}

func (s *Server) regionPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ctx := r.Context()
	offset, limit, err := paging(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := regionData{Offset: offset, Limit: limit, Query: r.URL.Query().Get("q")}
	parent := ""
	if code := r.PathValue("code"); code != "" {
		if d.Region, err = s.Regions.Find(ctx, code); err != nil {
			s.pageError(w, r, err)
			return
		}
		if d.Ancestors, err = s.Regions.Ancestors(ctx, d.Region); err != nil {
			s.pageError(w, r, err)
			return
		}
		parent = code
	}
	f := region.Filter{Parent: &parent, Offset: offset, Limit: limit, NameMatch: d.Query}
	if d.Query != "" {
		f.Parent = nil
		f.Prefix = parent
	}
	if d.Children, d.Total, err = s.Regions.List(ctx, f); err != nil {
		s.pageError(w, r, err)
		return
	}
	title := "regions.title"
	v := s.newView(r, title, d)
	if d.Region != nil {
		v.Title = d.Region.Name
	}
	s.render(w, r, http.StatusOK, "regions", v)
}

type usersData struct {
	Users []*user.User
	Total int
	Roles []tide.Role
	Form  user.NewUser
	Added string
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	s.showUsers(w, r, http.StatusOK, usersData{Added: r.URL.Query().Get("added")}, nil)
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, status int, d usersData, formErr error) {
	offset, limit, err := paging(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Users, d.Total, err = s.Users.List(r.Context(), user.Filter{Offset: offset, Limit: limit})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Roles = tide.Roles
	v := s.newView(r, "users.title", d)
	if formErr != nil {
		v.Error = tide.ErrorMessage(formErr)
	}
	s.render(w, r, status, "users", v)
}

func (s *Server) usersSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	in := user.NewUser{Name: r.PostFormValue("name"), DisplayName: r.PostFormValue("display_name"),
		Password: r.PostFormValue("password"), Scope: r.PostFormValue("scope")}
	for _, role := range r.PostForm["roles"] {
		in.Roles = append(in.Roles, tide.Role(role))
	}
	if _, err := s.Users.Create(r.Context(), in); err != nil {
		if c := tide.ErrorCode(err); c == tide.EINVALID || c == tide.ECONFLICT {
			in.Password = ""
			s.showUsers(w, r, ErrorStatus(err), usersData{Form: in}, err)
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/users?added="+url.QueryEscape(in.Name), http.StatusSeeOther)
}

type auditData struct {
	Entries []audit.Entry
	Total   int
	Checked int64
	Break   *audit.Break
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	if !a.Has(tide.RoleAdmin) || a.Scope != "" {
		s.pageError(w, r, tide.Errorf(tide.EFORBIDDEN, "forbidden"))
		return
	}
	offset, limit, err := paging(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var d auditData
	if d.Entries, d.Total, err = s.Store.FindAuditEntries(r.Context(), audit.Filter{Offset: offset, Limit: limit}); err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.Break, d.Checked, err = audit.Verify(r.Context(), s.Store); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit", s.newView(r, "audit.title", d))
}
