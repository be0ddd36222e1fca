// Package health is remote consultation: clinics in the villages and towns
// ask, city specialists offer weekly hours, an optimiser assigns each request
// to a specialist's slot at the lowest total cost, the two sides meet in a
// video room, and the specialist's advice, prescription and referral come
// back to the clinic with follow-up tasks.
package health

import (
	"slices"
	"time"
)

// ClinicLevel is where a clinic stands in the referral chain.
type ClinicLevel string

// The three levels of rural care: the village clinic, the township health
// centre and the county hospital.
const (
	VillageClinic  ClinicLevel = "village_clinic"
	TownshipCentre ClinicLevel = "township_centre"
	CountyHospital ClinicLevel = "county_hospital"
)

// ClinicLevels lists the levels in the order pages show them.
var ClinicLevels = []ClinicLevel{VillageClinic, TownshipCentre, CountyHospital}

// Specialties are the fields a request may ask for and a specialist may
// offer; the list is fixed so that requests and hours always meet.
var Specialties = []string{
	"cardiology", "dermatology", "endocrinology", "gastroenterology", "general_medicine",
	"gynaecology", "infectious_disease", "nephrology", "neurology", "obstetrics",
	"oncology", "ophthalmology", "orthopaedics", "paediatrics", "psychiatry",
	"pulmonology", "radiology", "surgery",
}

// ValidSpecialty reports whether s is one of Specialties.
func ValidSpecialty(s string) bool { return slices.Contains(Specialties, s) }

// Urgency says how soon a patient must be seen.
type Urgency string

// The urgencies, most pressing first.
const (
	Emergency Urgency = "emergency"
	Urgent    Urgency = "urgent"
	Routine   Urgency = "routine"
)

// Urgencies lists the urgencies, most pressing first.
var Urgencies = []Urgency{Emergency, Urgent, Routine}

// Clinic is a village clinic, township health centre or county hospital that
// asks for consultations. Its staff are the accounts that act for it.
type Clinic struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Level     ClinicLevel `json:"level"`
	Region    string      `json:"region"`
	Staff     []int64     `json:"staff"`
	CreatedAt time.Time   `json:"created_at"`
}

// Hours are a specialist's weekly block of consultation time, split into
// slots of SlotMinutes, each taking up to Capacity patients.
type Hours struct {
	Weekday time.Weekday `json:"weekday"`
	// Start and End are clock times "HH:MM" in the service's time zone.
	Start       string `json:"start"`
	End         string `json:"end"`
	SlotMinutes int    `json:"slot_minutes"`
	Capacity    int    `json:"capacity"`
}

// Specialist is a city doctor who offers hours for remote consultation.
type Specialist struct {
	ID     string `json:"id"`
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	// Hospital is where the specialist works; Region is its region code,
	// which scope is applied to.
	Hospital    string    `json:"hospital"`
	Region      string    `json:"region"`
	Specialties []string  `json:"specialties"`
	Languages   []string  `json:"languages"`
	Hours       []Hours   `json:"hours"`
	CreatedAt   time.Time `json:"created_at"`
}

// Offers reports whether the specialist practises specialty.
func (sp *Specialist) Offers(specialty string) bool {
	return slices.Contains(sp.Specialties, specialty)
}

// Speaks reports whether the specialist speaks language.
func (sp *Specialist) Speaks(language string) bool { return slices.Contains(sp.Languages, language) }

// RequestState is where a request stands.
type RequestState string

// A request is open until the optimiser (or an officer) assigns it, and done
// once the specialist has written the record; a clinic may cancel an open or
// assigned request.
const (
	RequestOpen      RequestState = "open"
	RequestAssigned  RequestState = "assigned"
	RequestDone      RequestState = "done"
	RequestCancelled RequestState = "cancelled"
)

// Patient is the least the specialist must know of the person. It is sealed
// at rest with the complaint.
type Patient struct {
	Name      string `json:"name"`
	Sex       string `json:"sex"` // "f", "m" or "x"
	BirthYear int    `json:"birth_year"`
	// Household and Member link the patient to the registry when they are
	// one of its members: the household's ref and the member's position.
	Household string `json:"household,omitempty"`
	Member    int    `json:"member,omitempty"`
}

// Window is a span of time the clinic can hold a consultation in.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Holds reports whether [start, end) lies inside the window.
func (w Window) Holds(start, end time.Time) bool { return !start.Before(w.From) && !end.After(w.To) }

// Request is a clinic's ask for a specialist's opinion on one patient.
type Request struct {
	ID       string `json:"id"`
	ClinicID string `json:"clinic"`
	// Region is the clinic's region and Prefecture the prefecture it lies
	// in, kept on the request for scope and reports.
	Region     string   `json:"region"`
	Prefecture string   `json:"prefecture"`
	Patient    Patient  `json:"patient"`
	Complaint  string   `json:"complaint"`
	Specialty  string   `json:"specialty"`
	Urgency    Urgency  `json:"urgency"`
	Language   string   `json:"language"`
	Windows    []Window `json:"windows"`
	// Consent is the patient's agreement to a remote consultation and to
	// their data being shown to the specialist; no request without it.
	Consent     bool          `json:"consent"`
	State       RequestState  `json:"state"`
	Attachments []*Attachment `json:"attachments"`
	// Consultation is the request's appointment, in lists of requests.
	Consultation *Consultation `json:"consultation,omitempty"`
	CreatedBy    int64         `json:"created_by"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`

	// Sealed is the patient and complaint as the store keeps them; the
	// service fills it before a write and opens it after a read.
	Sealed string `json:"-"`
}

// Attachment is an image or PDF that goes with a request; its bytes are a
// file named by its ID in the service's attachment folder.
type Attachment struct {
	ID          string    `json:"id"`
	RequestID   string    `json:"request"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
}

// Explanation is why the optimiser gave a request its slot: the terms of the
// assignment's cost.
type Explanation struct {
	// WaitingMinutes is from the request to the slot's start, and
	// UrgencyWeight what each minute costs at the request's urgency.
	WaitingMinutes int64 `json:"waiting_minutes"`
	UrgencyWeight  int64 `json:"urgency_weight"`
	WaitingCost    int64 `json:"waiting_cost"`
	// LanguagePenalty is paid when the specialist does not speak the
	// request's language.
	LanguagePenalty int64 `json:"language_penalty"`
	// Load is how many consultations the specialist held in the horizon
	// before this run, and LoadCost what that added.
	Load     int64 `json:"load"`
	LoadCost int64 `json:"load_cost"`
	Cost     int64 `json:"cost"`
	// Manual is set when an officer chose the slot.
	Manual bool `json:"manual,omitempty"`
}

// Consultation is a request's appointment with a specialist: the slot, the
// unguessable token of its video room, and why it was chosen.
type Consultation struct {
	RequestID    string    `json:"request"`
	SpecialistID string    `json:"specialist"`
	Starts       time.Time `json:"starts"`
	Minutes      int       `json:"minutes"`
	// Token names the video room at /consult/{token}.
	Token string `json:"token"`
	// ExternalURL, when set, is a meeting elsewhere used instead of the room.
	ExternalURL string      `json:"external_url,omitempty"`
	Explanation Explanation `json:"explanation"`
	AssignedBy  string      `json:"assigned_by"`
	CreatedAt   time.Time   `json:"created_at"`
}

// Ends is when the consultation's slot ends.
func (c *Consultation) Ends() time.Time { return c.Starts.Add(time.Duration(c.Minutes) * time.Minute) }

// Record is what the specialist wrote after the consultation.
type Record struct {
	RequestID    string    `json:"request"`
	Advice       string    `json:"advice"`
	Prescription string    `json:"prescription"`
	Referral     string    `json:"referral"`
	WrittenBy    string    `json:"written_by"`
	WrittenAt    time.Time `json:"written_at"`
}

// FollowUp is a task the clinic must do for the patient by a date.
type FollowUp struct {
	ID        string    `json:"id"`
	RequestID string    `json:"request"`
	ClinicID  string    `json:"clinic"`
	Task      string    `json:"task"`
	Due       string    `json:"due"` // YYYY-MM-DD
	Done      bool      `json:"done"`
	CreatedAt time.Time `json:"created_at"`
}
