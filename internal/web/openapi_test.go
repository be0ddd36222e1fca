package web_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/user"
	"github.com/tide-project/tide/internal/web"
)

// newServer builds a Server over a fresh SQLite database and returns it with
// its handler.
func newServer(tb testing.TB) (*web.Server, http.Handler) {
	tb.Helper()
	db := sqlstore.OpenTest(tb, sqlstore.SQLite)
	s := &web.Server{Regions: region.NewService(db), Users: user.NewService(db), Store: db,
		Logger: slog.New(slog.DiscardHandler)}
	return s, s.Handler()
}

// openAPIDocument fetches /api/v1/openapi.json through the handler and
// decodes it.
func openAPIDocument(tb testing.TB, h http.Handler) map[string]any {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		tb.Fatalf("GET /api/v1/openapi.json: status %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("Content-Type = %q, want application/json", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		tb.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// object returns v[key] as a JSON object, or nil.
func object(v any, key string) map[string]any {
	m, _ := v.(map[string]any)
	o, _ := m[key].(map[string]any)
	return o
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPICoversRoutes fails for each registered API route that the
// OpenAPI document does not describe, and for each documented operation
// that no route serves.
func TestOpenAPICoversRoutes(t *testing.T) {
	s, h := newServer(t)
	doc := openAPIDocument(t, h)
	paths := object(doc, "paths")
	if len(paths) == 0 {
		t.Fatal("openapi.json has no paths")
	}
	routes := s.APIRoutes()
	if len(routes) == 0 {
		t.Fatal("the server registered no API routes")
	}
	registered := map[string]bool{}
	for _, pattern := range routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			t.Errorf("route %q has no method", pattern)
			continue
		}
		registered[strings.ToLower(method)+" "+path] = true
		if object(paths, path)[strings.ToLower(method)] == nil {
			t.Errorf("route %q is missing from openapi.json: want paths[%q][%q]", pattern, path, strings.ToLower(method))
		}
	}
	for path, item := range paths {
		for _, method := range httpMethods {
			if _, ok := item.(map[string]any)[method]; ok && !registered[method+" "+path] {
				t.Errorf("openapi.json documents %s %s, which no route serves", strings.ToUpper(method), path)
			}
		}
	}
}

// TestOpenAPIDocument checks the document's shape: version 3, every $ref
// resolving inside it, every path parameter declared and every security
// scheme defined.
func TestOpenAPIDocument(t *testing.T) {
	_, h := newServer(t)
	doc := openAPIDocument(t, h)

	t.Run("Version", func(t *testing.T) {
		v, _ := doc["openapi"].(string)
		if !strings.HasPrefix(v, "3.") {
			t.Errorf("openapi = %q, want 3.x", v)
		}
		if title, _ := object(doc, "info")["title"].(string); title == "" {
			t.Error("info.title is empty")
		}
	})

	t.Run("RefsResolve", func(t *testing.T) {
		var refs int
		walkJSON(doc, "#", func(at string, v map[string]any) {
			ref, ok := v["$ref"].(string)
			if !ok {
				return
			}
			refs++
			if !strings.HasPrefix(ref, "#/components/") {
				t.Errorf("%s: $ref %q does not point into #/components", at, ref)
				return
			}
			if resolvePointer(doc, ref) == nil {
				t.Errorf("%s: $ref %q resolves to nothing", at, ref)
			}
		})
		if refs == 0 {
			t.Error("found no $ref at all; the walk is broken")
		}
	})

	t.Run("PathParameters", func(t *testing.T) {
		param := regexp.MustCompile(`\{([^}]+)\}`)
		for path, item := range object(doc, "paths") {
			item := item.(map[string]any)
			for _, m := range param.FindAllStringSubmatch(path, -1) {
				for _, method := range httpMethods {
					op, ok := item[method].(map[string]any)
					if !ok {
						continue
					}
					if !declaresPathParam(doc, item, m[1]) && !declaresPathParam(doc, op, m[1]) {
						t.Errorf("%s %s does not declare the path parameter %q", strings.ToUpper(method), path, m[1])
					}
				}
			}
		}
	})

	t.Run("SecuritySchemes", func(t *testing.T) {
		schemes := object(object(doc, "components"), "securitySchemes")
		walkJSON(doc, "#", func(at string, v map[string]any) {
			list, ok := v["security"].([]any)
			if !ok {
				return
			}
			for _, req := range list {
				for name := range req.(map[string]any) {
					if schemes[name] == nil {
						t.Errorf("%s: security scheme %q is not in components.securitySchemes", at, name)
					}
				}
			}
		})
	})
}

// walkJSON calls fn for every object in v, with its JSON pointer.
func walkJSON(v any, at string, fn func(at string, obj map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(at, v)
		for k, x := range v {
			walkJSON(x, at+"/"+k, fn)
		}
	case []any:
		for i, x := range v {
			walkJSON(x, at+"/"+strconv.Itoa(i), fn)
		}
	}
}

// resolvePointer follows a local JSON pointer ("#/a/b") in doc.
func resolvePointer(doc map[string]any, ref string) any {
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

// declaresPathParam reports whether the parameters of v (a path item or an
// operation) include the path parameter name, following a $ref.
func declaresPathParam(doc, v map[string]any, name string) bool {
	params, _ := v["parameters"].([]any)
	return slices.ContainsFunc(params, func(p any) bool {
		m, _ := p.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			m, _ = resolvePointer(doc, ref).(map[string]any)
		}
		return m["name"] == name && m["in"] == "path"
	})
}
