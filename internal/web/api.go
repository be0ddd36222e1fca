package web

import (
	"net/http"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// MaxImportBody bounds an uploaded import file.
const MaxImportBody = 256 << 20

func (s *Server) routeAPI() {
	s.api("GET /api/v1/openapi.json", s.apiOpenAPI)
	s.api("POST /api/v1/login", s.apiLogin)
	s.api("POST /api/v1/logout", s.apiLogout)
	s.api("GET /api/v1/me", s.apiMe)
	s.api("GET /api/v1/regions", s.apiRegions)
	s.api("POST /api/v1/regions", s.apiCreateRegion)
	s.api("POST /api/v1/regions/import", s.apiImportRegions)
	s.api("GET /api/v1/regions/{code}", s.apiRegion)
	s.api("PATCH /api/v1/regions/{code}", s.apiRenameRegion)
	s.api("GET /api/v1/users", s.apiUsers)
	s.api("POST /api/v1/users", s.apiCreateUser)
	s.api("POST /api/v1/tokens", s.apiCreateToken)
	s.api("GET /api/v1/audit", s.apiAudit)
	s.api("GET /api/v1/audit/verify", s.apiAuditVerify)
	s.routeRegistryAPI()
	s.routeMarketAPI()
	s.routeLiveAPI()
	s.routeParticipation()
	s.routeEngageAPI()
	s.routeShareAPI()
	s.routePrivacyAPI()
	s.routeConnectAPI()
	s.routeOpenAPI()
	s.routeHealthAPI()
	s.mux.Handle("/api/", s.apiAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, tide.NotFound("route"))
	})))
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDocument)
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Name == "" {
		s.Error(w, r, tide.Invalid("name", "name is required"))
		return
	}
	secret, u, err := s.Users.Login(r.Context(), in.Name, in.Password, "api")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": secret, "user": u})
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if s.requireActor(w, r) == nil {
		return
	}
	secret := r.Header.Get("Authorization")[len("Bearer "):]
	if err := s.Users.Logout(r.Context(), secret); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": a.UserID, "name": a.Name, "roles": a.Roles, "scope": a.Scope})
}

func (s *Server) apiRegions(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f := region.Filter{Offset: offset, Limit: limit, Level: region.Level(q.Get("level")), NameMatch: q.Get("q")}
	if q.Has("parent") {
		p := q.Get("parent")
		f.Parent = &p
	}
	if f.Level != "" && f.Level.Depth() < 0 {
		s.Error(w, r, tide.Invalid("level", "unknown level %q", f.Level))
		return
	}
	list, total, err := s.Regions.List(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*region.Region]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

func (s *Server) apiRegion(w http.ResponseWriter, r *http.Request) {
	reg, err := s.Regions.Find(r.Context(), r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, reg)
}

func (s *Server) apiCreateRegion(w http.ResponseWriter, r *http.Request) {
	var reg region.Region
	if err := decode(w, r, &reg); err != nil {
		s.Error(w, r, err)
		return
	}
	reg.Children = 0
	if err := s.Regions.Create(r.Context(), &reg); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, reg)
}

func (s *Server) apiRenameRegion(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	reg, err := s.Regions.Rename(r.Context(), r.PathValue("code"), in.Name)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, reg)
}

func (s *Server) apiImportRegions(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBody)
	n, err := s.Regions.Import(r.Context(), r.Body, nil)
	if err != nil {
		s.Error(w, r, bodyError(err))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int{"imported": n})
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, total, err := s.Users.List(r.Context(), user.Filter{Offset: offset, Limit: limit, Role: tide.Role(r.URL.Query().Get("role"))})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*user.User]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var in user.NewUser
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.Users.Create(r.Context(), in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Label string `json:"label"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	secret, err := s.Users.CreateAPIToken(r.Context(), in.Label)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"token": secret})
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	list, total, err := s.Store.FindAuditEntries(r.Context(), audit.Filter{Entity: q.Get("entity"), EntityID: q.Get("entity_id"), Offset: offset, Limit: limit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[audit.Entry]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

func (s *Server) apiAuditVerify(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	brk, n, err := audit.Verify(r.Context(), s.Store)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": n, "ok": brk == nil, "break": brk})
}

// requireAdmin checks the audit log's readers: administrators of the root,
// since the log spans every region.
func (s *Server) requireAdmin(w http.ResponseWriter, r *http.Request) bool {
	a := s.requireActor(w, r)
	if a == nil {
		return false
	}
	if !a.Has(tide.RoleAdmin) || a.Scope != "" {
		s.Error(w, r, tide.Errorf(tide.EFORBIDDEN, "only a root administrator may read the audit log"))
		return false
	}
	return true
}

func bodyError(err error) error {
	if e := decodeError(err); tide.ErrorCode(e) == tide.ETOOLARGE {
		return e
	}
	return err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
