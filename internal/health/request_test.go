package health_test

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

func TestRequestValidate(t *testing.T) {
	b := &bench{clinic: &health.Clinic{ID: "c1"}}
	for _, tc := range []struct {
		name  string
		edit  func(r *health.Request)
		field string
	}{
		{"Valid", func(r *health.Request) {}, ""},
		{"ErrNoConsent", func(r *health.Request) { r.Consent = false }, "consent"},
		{"ErrPatientName", func(r *health.Request) { r.Patient.Name = " " }, "patient.name"},
		{"ErrSex", func(r *health.Request) { r.Patient.Sex = "female" }, "patient.sex"},
		{"ErrBirthYear", func(r *health.Request) { r.Patient.BirthYear = 1850 }, "patient.birth_year"},
		{"ErrMemberWithoutHousehold", func(r *health.Request) { r.Patient.Member = 2 }, "patient.household"},
		{"ErrComplaintEmpty", func(r *health.Request) { r.Complaint = "" }, "complaint"},
		{"ErrComplaintLong", func(r *health.Request) { r.Complaint = strings.Repeat("a", health.MaxComplaint+1) }, "complaint"},
		{"ErrUnknownSpecialty", func(r *health.Request) { r.Specialty = "astrology" }, "specialty"},
		{"ErrUrgency", func(r *health.Request) { r.Urgency = "soon" }, "urgency"},
		{"ErrLanguage", func(r *health.Request) { r.Language = "Chinese" }, "language"},
		{"ErrWindowBackwards", func(r *health.Request) {
			r.Windows = []health.Window{{From: monday.Add(time.Hour), To: monday}}
		}, "windows[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := b.request(tc.edit).Validate()
			if tc.field == "" && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if tc.field != "" {
				wantRefused(t, "Validate()", err, tide.EINVALID, tc.field)
			}
		})
	}
}

// pngBytes returns a small real PNG image.
func pngBytes(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// jpegBytes is the start of a JPEG file: enough for its type to be sniffed.
var jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")

var pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// TestRequestRefused files bad requests of every kind and checks that each
// is refused naming its field and that nothing at all was written: no row,
// no audit entry, no file.
func TestRequestRefused(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		before := b.state(t)
		for _, tc := range []struct {
			name    string
			actor   *tide.Actor
			edit    func(r *health.Request)
			uploads []health.Upload
			code    string
			field   string
		}{
			{"ErrNoConsent", b.staff, func(r *health.Request) { r.Consent = false }, nil, tide.EINVALID, "consent"},
			{"ErrUnknownSpecialty", b.staff, func(r *health.Request) { r.Specialty = "astrology" }, nil, tide.EINVALID, "specialty"},
			{"ErrPNGNamedText", b.staff, nil, []health.Upload{{Name: "xray.png", Data: []byte("just some text, not a picture")}},
				tide.EINVALID, "attachments[0]"},
			{"ErrPDFClaimWithJPEG", b.staff, nil, []health.Upload{{Name: "report.pdf", ContentType: "application/pdf", Data: jpegBytes}},
				tide.EINVALID, "attachments[0]"},
			{"ErrDeclaredTypeDiffers", b.staff, nil, []health.Upload{{Name: "scan.png", ContentType: "application/pdf", Data: pngBytes(t)}},
				tide.EINVALID, "attachments[0]"},
			{"ErrSecondAttachmentBad", b.staff, nil, []health.Upload{{Name: "ok.pdf", Data: pdfBytes}, {Name: "x.jpg", Data: pdfBytes}},
				tide.EINVALID, "attachments[1]"},
			{"ErrTooLarge", b.staff, nil, []health.Upload{{Name: "big.pdf", Data: append(append([]byte{}, pdfBytes...), make([]byte, health.MaxAttachmentBytes)...)}},
				tide.ETOOLARGE, "attachments[0]"},
			{"ErrUnknownMember", b.staff, func(r *health.Request) { r.Patient.Household = "01nohousehold" }, nil, tide.EINVALID, "patient.member"},
			{"ErrUnknownClinic", b.staff, func(r *health.Request) { r.ClinicID = "nope" }, nil, tide.EINVALID, "clinic"},
			{"ErrOtherClinicsStaff", b.stranger, nil, nil, tide.EFORBIDDEN, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := b.svc.CreateRequest(as(tc.actor), b.request(tc.edit), tc.uploads)
				wantRefused(t, "CreateRequest", err, tc.code, tc.field)
				if tc.field != "" && !strings.Contains(err.Error(), tc.field) {
					t.Errorf("the error %q does not name %s", err, tc.field)
				}
				if after := b.state(t); after != before {
					t.Errorf("a refused request changed the store:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	})
}

func TestRequestAttachmentsAndSealing(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		r := b.request(nil)
		uploads := []health.Upload{{Name: "ecg.png", ContentType: "image/png", Data: pngBytes(t)}, {Name: "letter.PDF", Data: pdfBytes}}
		if err := b.svc.CreateRequest(as(b.staff), r, uploads); err != nil {
			t.Fatalf("file request: %v", err)
		}
		var sealed string
		q := "SELECT sealed FROM consult_requests WHERE id = ?"
		if db.Dialect() == sqlstore.Postgres {
			q = "SELECT sealed FROM consult_requests WHERE id = $1"
		}
		if err := db.SQL().QueryRow(q, r.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		for _, plain := range []string{"Li Hua", "Chest pain"} {
			if strings.Contains(sealed, plain) {
				t.Errorf("the stored request shows %q in plain text", plain)
			}
		}
		got, err := b.svc.Request(as(b.staff), r.ID)
		if err != nil {
			t.Fatalf("read request: %v", err)
		}
		if got.Patient.Name != "Li Hua" || got.Complaint != r.Complaint || got.Prefecture != "5226" || got.State != health.RequestOpen {
			t.Errorf("request read back = %+v, want Li Hua's open request in prefecture 5226", got)
		}
		if len(got.Attachments) != 2 || got.Attachments[0].ContentType == got.Attachments[1].ContentType {
			t.Fatalf("attachments = %+v, want a PNG and a PDF", got.Attachments)
		}
		f, att, err := b.svc.OpenAttachment(as(b.staff), got.Attachments[0].ID)
		if err != nil {
			t.Fatalf("open attachment: %v", err)
		}
		f.Close()
		if att.Size == 0 {
			t.Errorf("attachment size 0")
		}
		if _, _, err := b.svc.OpenAttachment(as(b.stranger), got.Attachments[0].ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another clinic opens the attachment: %v, want ENOTFOUND", err)
		}
		if _, err := b.svc.Request(as(b.stranger), r.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("another clinic reads the request: %v, want ENOTFOUND", err)
		}
		if _, err := b.svc.Request(as(b.doctor1), r.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("an unassigned specialist reads the request: %v, want ENOTFOUND", err)
		}
		list, total, err := b.svc.Requests(as(b.stranger), health.RequestFilter{})
		if err != nil || total != 0 || len(list) != 0 {
			t.Errorf("another clinic's list = %d requests, %v; want none", total, err)
		}
		before := b.state(t)
		if _, err := b.svc.AddAttachment(as(b.staff), r.ID, health.Upload{Name: "more.png", Data: []byte("<html>not an image</html>")}); tide.ErrorField(err) != "attachment" {
			t.Errorf("add a text file named .png: %v, want refused on attachment", err)
		}
		if after := b.state(t); after != before {
			t.Errorf("a refused attachment changed the store:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestSpecialistValidate(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		hours := []health.Hours{{Weekday: time.Tuesday, Start: "09:00", End: "10:00", SlotMinutes: 20, Capacity: 2}}
		for _, tc := range []struct {
			name  string
			edit  func(sp *health.Specialist)
			code  string
			field string
		}{
			{"ErrUnknownSpecialty", func(sp *health.Specialist) { sp.Specialties = []string{"cardiology", "magic"} }, tide.EINVALID, "specialties[1]"},
			{"ErrNoLanguage", func(sp *health.Specialist) { sp.Languages = nil }, tide.EINVALID, "languages"},
			{"ErrHoursOrder", func(sp *health.Specialist) { sp.Hours[0].End = "08:00" }, tide.EINVALID, "hours[0].end"},
			{"ErrSlotsDoNotDivide", func(sp *health.Specialist) { sp.Hours[0].SlotMinutes = 25 }, tide.EINVALID, "hours[0].slot_minutes"},
			{"ErrCapacity", func(sp *health.Specialist) { sp.Hours[0].Capacity = 0 }, tide.EINVALID, "hours[0].capacity"},
			{"ErrAccountTwice", func(sp *health.Specialist) { sp.UserID = b.doctor1.UserID }, tide.ECONFLICT, "user_id"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				sp := &health.Specialist{UserID: b.county.UserID, Name: "Dr Zhao", Hospital: "City Hospital", Region: "52",
					Specialties: []string{"cardiology"}, Languages: []string{"zh"}, Hours: append([]health.Hours{}, hours...)}
				tc.edit(sp)
				wantRefused(t, "CreateSpecialist", b.svc.CreateSpecialist(as(b.admin), sp), tc.code, tc.field)
			})
		}
		sp := &health.Specialist{UserID: b.county.UserID, Name: "Dr Zhao", Hospital: "City Hospital", Region: "52",
			Specialties: []string{"cardiology"}, Languages: []string{"zh"}, Hours: hours}
		if err := b.svc.CreateSpecialist(as(b.staff), sp); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("clinic staff registers a specialist: %v, want EFORBIDDEN", err)
		}
	})
}

// TestAnalystSeesNoPatient lets an analyst read the reports but never a
// request with its patient.
func TestAnalystSeesNoPatient(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		r := b.file(t, nil)
		analyst := &tide.Actor{UserID: 98, Name: "analyst", Roles: []tide.Role{tide.RoleAnalyst}}
		if _, err := b.svc.Request(as(analyst), r.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("an analyst reads a request: %v, want ENOTFOUND", err)
		}
		if _, _, err := b.svc.Requests(as(analyst), health.RequestFilter{}); tide.ErrorCode(err) != tide.EFORBIDDEN {
			t.Errorf("an analyst lists requests: %v, want EFORBIDDEN", err)
		}
		if _, err := b.svc.Report(as(analyst), "", time.Time{}, time.Time{}); err != nil {
			t.Errorf("an analyst reads the report: %v", err)
		}
		if got, err := b.svc.Request(as(b.county), r.ID); err != nil || got.Patient.Name != "Li Hua" {
			t.Errorf("the county reads the request: %+v, %v", got, err)
		}
	})
}
