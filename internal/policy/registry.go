package policy

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

//go:embed policies/*.yaml policies/*.json
var shipped embed.FS

// builtin parses the shipped policies once. A shipped file that fails to load is a
// build defect the tests catch, so it panics rather than returning an error.
var builtin = sync.OnceValue(func() *Registry {
	r := &Registry{byID: map[string]*Policy{}}
	if err := r.LoadFS(shipped, "policies"); err != nil {
		panic("policy: shipped policies: " + err.Error())
	}
	return r
})

// Builtin returns the policies shipped in the binary, sorted by ID.
func Builtin() []*Policy { return builtin().Policies() }

// Lookup returns the shipped policy with the given ID.
func Lookup(id string) (*Policy, bool) { return builtin().Lookup(id) }

// Registry is a set of policies by ID: the shipped ones and any a deployment loads from
// its own folder. It is safe for concurrent use.
type Registry struct {
	mu   sync.RWMutex
	byID map[string]*Policy
}

// NewRegistry returns a registry holding the shipped policies.
func NewRegistry() *Registry {
	r := &Registry{byID: map[string]*Policy{}}
	for _, p := range Builtin() {
		r.byID[p.ID] = p
	}
	return r
}

// Add adds a policy. IDs are never reused for a different standard, so adding an ID
// already present is an error; a revised standard gets a new ID (e.g. "cn-2020-gz").
func (r *Registry) Add(p *Policy) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byID[p.ID]; ok {
		return fmt.Errorf("policy %q is already loaded", p.ID)
	}
	r.byID[p.ID] = p
	return nil
}

// LoadDir loads every policy file (*.json, *.yaml, *.yml) in a folder, not its
// subfolders. Errors name the file by its path under dir.
func (r *Registry) LoadDir(dir string) error {
	return r.loadFS(os.DirFS(dir), ".", func(name string) string { return filepath.Join(dir, name) })
}

// LoadFS loads every policy file in one folder of fsys. Each file's base name must be
// its policy's ID, so a policy is found where its ID says. Nothing is added unless every
// file loads.
func (r *Registry) LoadFS(fsys fs.FS, dir string) error {
	return r.loadFS(fsys, dir, func(name string) string { return path.Join(dir, name) })
}

func (r *Registry) loadFS(fsys fs.FS, dir string, display func(string) string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("load policies: %w", err)
	}
	var loaded []*Policy
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if e.IsDir() || (ext != ".json" && ext != ".yaml" && ext != ".yml") {
			continue
		}
		name := display(e.Name())
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("load policies: %w", err)
		}
		p, err := Parse(name, data)
		if err != nil {
			return err
		}
		if base := strings.TrimSuffix(e.Name(), ext); p.ID != base {
			return &Error{File: name, Field: "id", Message: fmt.Sprintf("%q must match the file name %q", p.ID, base)}
		}
		loaded = append(loaded, p)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, p := range loaded {
		if _, ok := r.byID[p.ID]; ok || seen[p.ID] {
			return fmt.Errorf("load policies: policy %q is already loaded", p.ID)
		}
		seen[p.ID] = true
	}
	for _, p := range loaded {
		r.byID[p.ID] = p
	}
	return nil
}

// Lookup returns the policy with the given ID.
func (r *Registry) Lookup(id string) (*Policy, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.byID[id]
	return p, ok
}

// Policies returns every policy, sorted by ID.
func (r *Registry) Policies() []*Policy {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ps := make([]*Policy, 0, len(r.byID))
	for _, p := range r.byID {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	return ps
}
