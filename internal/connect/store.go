package connect

import (
	"context"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/region"
)

// Store persists reports, schools and classes. Every write appends its audit
// change in the same transaction, and a write of many records writes all of
// them or none.
type Store interface {
	// FindRegion and FindRegions read the region tree, which coverage is
	// counted over.
	FindRegion(ctx context.Context, code string) (*region.Region, error)
	FindRegions(ctx context.Context, f region.Filter) ([]*region.Region, int, error)

	// SaveReports stores village reports; a second report of a village on
	// the same date replaces the first. EINVALID naming the village when
	// one does not exist.
	SaveReports(ctx context.Context, rs []*Report, c audit.Change) error
	// FindReports returns a village's reports, oldest first.
	FindReports(ctx context.Context, village string) ([]*Report, error)
	// VillageStates returns every village under prefix with its latest
	// report on or before day.
	VillageStates(ctx context.Context, prefix, day string) ([]VillageState, error)
	// VillageHistories returns every village under prefix with all its
	// reports, oldest first.
	VillageHistories(ctx context.Context, prefix string) ([]VillageHistory, error)

	// SaveSchools creates schools or updates them by code; an update keeps
	// the school's account when the new one is 0. EINVALID naming the
	// region when it does not exist.
	SaveSchools(ctx context.Context, ss []*School, c audit.Change) error
	// FindSchool returns the school with code, or ENOTFOUND.
	FindSchool(ctx context.Context, code string) (*School, error)
	// FindSchools returns schools ordered by region and code, and how many
	// match.
	FindSchools(ctx context.Context, f SchoolFilter) ([]*School, int, error)

	CreateClass(ctx context.Context, c *Class, ch audit.Change) error
	// FindClass returns a class with its classrooms, or ENOTFOUND.
	FindClass(ctx context.Context, id string) (*Class, error)
	// FindClasses returns classes in order of their start, with their
	// classrooms.
	FindClasses(ctx context.Context, f ClassFilter) ([]*Class, error)
	// JoinClass adds a school's classroom to a class; ECONFLICT when it has
	// joined already.
	JoinClass(ctx context.Context, id, school string, ch audit.Change) error
	// RecordAttendance sets how many pupils of a joined classroom attended;
	// ENOTFOUND when the school has not joined.
	RecordAttendance(ctx context.Context, id, school string, pupils int, ch audit.Change) error
}

// VillageState is a village and its latest report on some date; Report is
// nil when nothing was reported by then.
type VillageState struct {
	Code, Name string
	Report     *Report
}

// VillageHistory is a village and all its reports, oldest first.
type VillageHistory struct {
	Code, Name string
	Reports    []*Report
}

// On returns the village's latest report on or before day, or nil.
func (h *VillageHistory) On(day string) *Report {
	var last *Report
	for _, r := range h.Reports {
		if r.On > day {
			break
		}
		last = r
	}
	return last
}
