// Package analytics answers the campaign's measures for any region and any
// policy from columnar in-memory indexes (one per policy) that it keeps
// current as the registry changes, rather than scanning rows per request.
package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/tide-project/tide/internal/measure"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// Regions gives the region tree to the indexes.
type Regions interface {
	EachRegion(ctx context.Context, fn func(code, parent string) error) error
	RegionParent(ctx context.Context, code string) (string, error)
}

// Households reads every household once at start.
type Households interface {
	EachHousehold(ctx context.Context, fn func(*registry.Household) error) error
}

// Service holds the indexes.
type Service struct {
	regions  Regions
	policies registry.Policies
	log      *slog.Logger

	mu      sync.Mutex // serialises writers; the indexes lock readers themselves
	indexes map[string]*measure.Index
}

// New builds an index per policy from the stored regions and households.
func New(ctx context.Context, regions Regions, households Households, policies registry.Policies, log *slog.Logger) (*Service, error) {
	s := &Service{regions: regions, policies: policies, log: log, indexes: map[string]*measure.Index{}}
	var tree []measure.Region
	if err := regions.EachRegion(ctx, func(code, parent string) error {
		tree = append(tree, measure.Region{Code: code, Parent: parent})
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load regions: %w", err)
	}
	for _, p := range policies.Policies() {
		ix := measure.New()
		if err := ix.AddRegions(tree); err != nil {
			return nil, fmt.Errorf("index regions: %w", err)
		}
		s.indexes[p.ID] = ix
	}
	err := households.EachHousehold(ctx, func(h *registry.Household) error {
		return s.upsert(ctx, h)
	})
	if err != nil {
		return nil, fmt.Errorf("index households: %w", err)
	}
	return s, nil
}

// row turns a household into an index row under policy p.
func row(p *policy.Policy, h *registry.Household) measure.Household {
	mask, _ := p.Deprivations(h.Facts())
	return measure.Household{ID: uint64(h.ID), Region: h.Village, Persons: int32(len(h.Members)),
		Income: h.TotalIncomePerPerson(), Deprived: mask}
}

func (s *Service) upsert(ctx context.Context, h *registry.Household) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, ix := range s.indexes {
		p, _ := s.policies.Lookup(id)
		err := ix.Upsert(row(p, h))
		if errors.Is(err, measure.ErrUnknownRegion) {
			// A region added since start: add its chain, then retry.
			if err = s.addChain(ctx, ix, h.Village); err == nil {
				err = ix.Upsert(row(p, h))
			}
		}
		if err != nil {
			return fmt.Errorf("index household %s: %w", h.Ref, err)
		}
	}
	return nil
}

func (s *Service) addChain(ctx context.Context, ix *measure.Index, code string) error {
	var chain []measure.Region
	for c := code; c != ""; {
		parent, err := s.regions.RegionParent(ctx, c)
		if err != nil {
			return err
		}
		chain = append([]measure.Region{{Code: c, Parent: parent}}, chain...)
		c = parent
	}
	var missing []measure.Region
	for _, r := range chain {
		if _, err := ix.Measure(r.Code, measure.Params{Line: 1}); errors.Is(err, measure.ErrUnknownRegion) {
			missing = append(missing, r)
		}
	}
	return ix.AddRegions(missing)
}

// RegionsCreated adds new regions to every index; the region service calls
// it after each committed write.
func (s *Service) RegionsCreated(rs []*region.Region) {
	tree := make([]measure.Region, len(rs))
	for i, r := range rs {
		tree[i] = measure.Region{Code: r.Code, Parent: r.Parent}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, ix := range s.indexes {
		if err := ix.AddRegions(tree); err != nil {
			s.log.Error("measure index: add regions failed", "policy", id, "error", err)
		}
	}
}

// HouseholdChanged keeps the indexes current; the registry calls it after
// each committed write.
func (s *Service) HouseholdChanged(h *registry.Household) {
	if err := s.upsert(context.Background(), h); err != nil {
		s.log.Error("measure index update failed", "household", h.Ref, "error", err)
	}
}

// Result is the measures of one region under one policy.
type Result struct {
	Policy string `json:"policy"`
	Line   int64  `json:"line"`
	measure.Result
}

// Measures answers P0–P2 and H, A, M0 for region (the caller's own top region
// when empty) under policy, with the same for each child region. line, when
// above 0, overrides the policy's income line.
func (s *Service) Measures(ctx context.Context, region, policyID string, line int64) (*Result, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in to see measures")
	}
	if !a.HasAny(tide.RoleAdmin, tide.RoleAnalyst, tide.RoleCounty, tide.RoleRegistrar) {
		return nil, tide.Errorf(tide.EFORBIDDEN, "your role may not see measures")
	}
	if region == "" {
		region = a.Scope
	}
	if !a.Sees(region) {
		return nil, tide.NotFound("region")
	}
	p, ok := s.policies.Lookup(policyID)
	if !ok {
		return nil, tide.Invalid("policy", "unknown policy %q", policyID)
	}
	if line < 0 {
		return nil, tide.Invalid("line", "line must be a positive amount in minor units")
	}
	if line == 0 {
		line = p.IncomeLine
	}
	params := measure.Params{Line: line}
	if p.K > 0 {
		params.Weights, params.K = p.Weights(), p.K
	}
	r, err := s.indexes[p.ID].Measure(region, params)
	if errors.Is(err, measure.ErrUnknownRegion) {
		return nil, tide.NotFound("region")
	} else if err != nil {
		return nil, tide.Invalid("line", "%v", err)
	}
	if r.Children == nil {
		r.Children = []measure.Result{}
	}
	return &Result{Policy: p.ID, Line: line, Result: r}, nil
}
