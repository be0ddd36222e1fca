package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/tide-project/tide/internal/tide"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds each page's template, parsed once with the layout.
type pages struct {
	byName map[string]*template.Template
}

var templateFuncs = template.FuncMap{
	"join": func(rs []tide.Role) string {
		s := make([]string, len(rs))
		for i, r := range rs {
			s[i] = string(r)
		}
		return strings.Join(s, ", ")
	},
	"add":  func(a, b int) int { return a + b },
	"prev": func(offset, limit int) int { return max(0, offset-limit) },
}

func mustParsePages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t := template.Must(template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", n))
		p.byName[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p
}

// navItem is one link of the navigation; Roles empty means every signed-in person.
type navItem struct {
	Key, Href string
	Roles     []tide.Role
	RootOnly  bool
}

// navigation lists the pages by role. Later domains add their entries here.
var navigation = []navItem{
	{Key: "nav.home", Href: "/"},
	{Key: "nav.regions", Href: "/regions"},
	{Key: "nav.households", Href: "/households", Roles: []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar}},
	{Key: "nav.measures", Href: "/measures", Roles: []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar}},
	{Key: "nav.monitoring", Href: "/monitoring", Roles: []tide.Role{tide.RoleCounty, tide.RoleAdmin}},
	{Key: "nav.exits", Href: "/exits", Roles: []tide.Role{tide.RoleRegistrar, tide.RoleCounty, tide.RoleAdmin}},
	{Key: "nav.transfer", Href: "/households/import", Roles: []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar}},
	{Key: "nav.market", Href: "/market"},
	{Key: "nav.seller", Href: "/seller", Roles: []tide.Role{tide.RoleSeller, tide.RoleCounty, tide.RoleRegistrar, tide.RoleAdmin}},
	{Key: "nav.sellers", Href: "/sellers", Roles: []tide.Role{tide.RoleCounty, tide.RoleAdmin}},
	{Key: "nav.orders", Href: "/orders"},
	{Key: "nav.needs", Href: "/needs"},
	{Key: "nav.needs_manage", Href: "/needs/manage", Roles: []tide.Role{tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar, tide.RoleSchool}},
	{Key: "nav.donations", Href: "/donations", Roles: []tide.Role{tide.RolePublic}},
	{Key: "nav.consults", Href: "/consults", Roles: []tide.Role{tide.RoleClinic, tide.RoleCounty, tide.RoleAdmin}},
	{Key: "nav.worklist", Href: "/worklist", Roles: []tide.Role{tide.RoleSpecialist}},
	{Key: "nav.health_reports", Href: "/consults/reports", Roles: []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty}},
	{Key: "nav.participation", Href: "/participation", Roles: []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty}},
	{Key: "nav.overview", Href: "/overview"},
	{Key: "nav.coverage", Href: "/coverage"},
	{Key: "nav.schools", Href: "/schools", Roles: []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar, tide.RoleSchool}},
	{Key: "nav.classes", Href: "/classes", Roles: []tide.Role{tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar, tide.RoleSchool}},
	{Key: "nav.connect_import", Href: "/connect/import", Roles: []tide.Role{tide.RoleAdmin, tide.RoleCounty, tide.RoleRegistrar}},
	{Key: "nav.users", Href: "/users", Roles: []tide.Role{tide.RoleAdmin}},
	{Key: "nav.audit", Href: "/audit", Roles: []tide.Role{tide.RoleAdmin}, RootOnly: true},
	{Key: "nav.account", Href: "/account"},
}

// view is what every page template receives.
type view struct {
	Lang  string
	Title string
	Actor *tide.Actor
	CSRF  string
	Path  string
	Nav   []navItem
	Demo  bool
	Error string
	Data  any
}

// T translates key into the page's language.
func (v *view) T(key string, args ...any) string { return translate(v.Lang, key, args...) }

// Other returns the language the switch offers.
func (v *view) Other() string {
	if v.Lang == "zh" {
		return "en"
	}
	return "zh"
}

func (s *Server) newView(r *http.Request, titleKey string, data any) *view {
	v := &view{Lang: language(r), Actor: tide.ActorFrom(r.Context()), CSRF: csrfToken(r),
		Path: r.URL.RequestURI(), Demo: s.Demo, Data: data}
	v.Title = v.T(titleKey)
	for _, n := range navigation {
		if v.Actor != nil && (len(n.Roles) == 0 || v.Actor.HasAny(n.Roles...)) && (!n.RootOnly || v.Actor.Scope == "") {
			v.Nav = append(v.Nav, n)
		}
	}
	return v
}

// render executes the named page into a buffer first, so a template error
// becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := s.pages.byName[name]
	if !ok {
		panic("no page " + name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		s.Logger.Error("render page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, key string) {
	v := s.newView(r, "error.title", nil)
	v.Error = v.T(key)
	s.render(w, r, status, "error", v)
}

// pageError shows err as an error page with its status; not-found and
// out-of-scope look the same.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status := ErrorStatus(err)
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if status == http.StatusInternalServerError {
		s.Logger.Error("page failed", "path", r.URL.Path, "error", err)
	}
	v := s.newView(r, "error.title", nil)
	switch status {
	case http.StatusNotFound:
		v.Error = v.T("error.notfound")
	case http.StatusForbidden:
		v.Error = v.T("error.forbidden")
	case http.StatusInternalServerError:
		v.Error = v.T("error.internal")
	default:
		v.Error = tide.ErrorMessage(err)
	}
	s.render(w, r, status, "error", v)
}

// page registers a page route behind the session and CSRF checks.
func (s *Server) page(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.pageAuth(h))
}

// signedIn returns the actor, or redirects to the login page.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) *tide.Actor {
	a := tide.ActorFrom(r.Context())
	if a == nil {
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	}
	return a
}

func (s *Server) routeStatic() {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})))
}
