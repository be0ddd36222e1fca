package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// demoSpecialist is one city doctor of the demo.
type demoSpecialist struct {
	account, name, hospital string
	specialties, languages  []string
	// days are the weekdays of the doctor's morning hours.
	days []time.Weekday
}

var demoSpecialists = []demoSpecialist{
	{"specialist1", "Dr Chen Jing", "Provincial People's Hospital", []string{"cardiology", "general_medicine"}, []string{"en", "zh"},
		[]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}},
	{"doctor02", "Dr Wu Fang", "Provincial People's Hospital", []string{"paediatrics", "general_medicine"}, []string{"hmn", "zh"},
		[]time.Weekday{time.Monday, time.Wednesday, time.Friday}},
	{"doctor03", "Dr Luo Ping", "Medical University Hospital", []string{"obstetrics", "gynaecology"}, []string{"zh"},
		[]time.Weekday{time.Tuesday, time.Thursday}},
	{"doctor04", "Dr Long Hai", "Medical University Hospital", []string{"orthopaedics", "surgery"}, []string{"ii", "zh"},
		[]time.Weekday{time.Monday, time.Thursday}},
	{"doctor05", "Dr Tian Xue", "City Second Hospital", []string{"dermatology", "endocrinology"}, []string{"zh"},
		[]time.Weekday{time.Wednesday}},
}

// demoComplaints are what the demo's patients come with, by specialty.
var demoComplaints = map[string][]string{
	"cardiology":       {"Chest tightness when carrying loads uphill", "Blood pressure above 170/100 at three visits"},
	"general_medicine": {"Cough for three weeks, low fever at night", "Tired and thirsty, losing weight"},
	"paediatrics":      {"Child of two with diarrhoea for five days", "Infant not gaining weight"},
	"obstetrics":       {"Swollen feet and headaches at 32 weeks", "Bleeding in the first trimester"},
	"orthopaedics":     {"Knee pain after a fall on the terraces", "Back pain that wakes him at night"},
	"dermatology":      {"Spreading itchy rash on both arms"},
	"endocrinology":    {"Blood sugar 14 mmol/L fasting"},
	"neurology":        {"Sudden weakness of the left hand last week"},
}

// makeHealth opens the first county's clinics with clinic1 on the staff of
// its township centre, makes specialist1 and four other city doctors
// specialists with weekday mornings, and replays a week of requests: each
// morning the day's requests are filed and the optimiser assigns them, and
// the specialists write records for the consultations that have taken place.
// Neurology is asked for but nobody offers it, so the reports show a gap.
func makeHealth(ctx context.Context, rng *rand.Rand, svc Services, p *Province) error {
	if svc.Health == nil {
		return nil
	}
	county := p.Counties[0].Code
	township := county + "001"
	clinics := []*health.Clinic{
		{Name: placeName(rng, " Township Health Centre"), Level: health.TownshipCentre, Region: township, Staff: []int64{p.UserIDs["clinic1"]}},
		{Name: placeName(rng, " Village Clinic"), Level: health.VillageClinic, Region: township + "001", Staff: []int64{p.UserIDs["clinic1"]}},
		{Name: placeName(rng, " County Hospital"), Level: health.CountyHospital, Region: county},
	}
	for _, c := range p.Counties[1:min(4, len(p.Counties))] {
		clinics = append(clinics, &health.Clinic{Name: placeName(rng, " County Hospital"), Level: health.CountyHospital, Region: c.Code})
	}
	for _, c := range clinics {
		if err := svc.Health.CreateClinic(ctx, c); err != nil {
			return fmt.Errorf("clinic %s: %w", c.Name, err)
		}
	}
	doctors := map[string]*tide.Actor{}
	var offered []string
	for _, ds := range demoSpecialists {
		a, err := demoDoctor(ctx, svc, p, ds.account)
		if err != nil {
			return err
		}
		var hours []health.Hours
		for _, d := range ds.days {
			hours = append(hours, health.Hours{Weekday: d, Start: "09:00", End: "12:00", SlotMinutes: 30, Capacity: 1})
		}
		sp := &health.Specialist{UserID: a.UserID, Name: ds.name, Hospital: ds.hospital, Region: ProvinceCode,
			Specialties: ds.specialties, Languages: ds.languages, Hours: hours}
		if err := svc.Health.CreateSpecialist(ctx, sp); err != nil {
			return fmt.Errorf("specialist %s: %w", ds.name, err)
		}
		doctors[sp.ID] = a
		offered = append(offered, ds.specialties...)
	}
	wanted := append(offered, "neurology")
	now := time.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	var requests []*health.Request
	for day := 7; day >= 1; day-- {
		morning := today.AddDate(0, 0, -day).Add(7 * time.Hour)
		for i := range 3 + rng.IntN(4) {
			at := morning.Add(time.Duration(i*10) * time.Minute)
			clock := svc.Health.WithClock(func() time.Time { return at })
			r := demoRequest(rng, clinics[rng.IntN(len(clinics))], wanted[rng.IntN(len(wanted))])
			if err := clock.CreateRequest(ctx, r, nil); err != nil {
				return fmt.Errorf("request: %w", err)
			}
			requests = append(requests, r)
		}
		run := morning.Add(time.Hour)
		if _, err := svc.Health.WithClock(func() time.Time { return run }).Assign(ctx); err != nil {
			return fmt.Errorf("assign: %w", err)
		}
	}
	records := 0
	for _, r := range requests {
		c, err := svc.Health.Consultation(ctx, r.ID)
		if tide.ErrorCode(err) == tide.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		end := c.Ends()
		if !end.Before(now) || rng.IntN(5) == 0 {
			continue
		}
		doctor := tide.WithActor(ctx, doctors[c.SpecialistID])
		rec := &health.Record{RequestID: r.ID, Advice: "Seen by video with the clinic's doctor. " + demoAdvice[rng.IntN(len(demoAdvice))],
			Prescription: demoPrescriptions[r.Specialty]}
		if r.Urgency == health.Emergency {
			rec.Referral = "Transfer to the county hospital today."
		}
		tasks := []health.NewFollowUp{{Task: "Call the patient and check how they are", Due: end.AddDate(0, 0, 3+rng.IntN(7)).Format(time.DateOnly)}}
		if err := svc.Health.WithClock(func() time.Time { return end }).WriteRecord(doctor, rec, tasks); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		records++
	}
	if svc.Out != nil {
		fmt.Fprintf(svc.Out, "Health: %d clinics, %d specialists (specialist1, doctor02 … doctor05), %d requests over the past week, %d records\n",
			len(clinics), len(demoSpecialists), len(requests), records)
	}
	return nil
}

var demoAdvice = []string{
	"Rest for a week and drink boiled water; come back if the fever returns.",
	"Start the medicine below and measure blood pressure every morning.",
	"Keep the wound clean and dry; change the dressing daily.",
	"Eat less salt and fat; walk for half an hour each day.",
}

var demoPrescriptions = map[string]string{
	"cardiology":       "Amlodipine 5 mg once a day",
	"general_medicine": "Paracetamol 500 mg up to four times a day",
	"paediatrics":      "Oral rehydration salts after each loose stool",
	"endocrinology":    "Metformin 500 mg twice a day with meals",
}

// demoDoctor returns the account of a demo specialist, making it when the
// users step did not.
func demoDoctor(ctx context.Context, svc Services, p *Province, name string) (*tide.Actor, error) {
	if id, ok := p.UserIDs[name]; ok {
		return &tide.Actor{UserID: id, Name: name, Roles: []tide.Role{tide.RoleSpecialist}, Scope: ProvinceCode}, nil
	}
	u, err := svc.Users.Create(ctx, user.NewUser{Name: name, DisplayName: name, Password: p.Password,
		Roles: []tide.Role{tide.RoleSpecialist}, Scope: ProvinceCode})
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	p.UserIDs[name] = u.ID
	return u.Actor(), nil
}

// demoRequest makes a request of clinic for specialty, with a synthetic
// patient who consented.
func demoRequest(rng *rand.Rand, c *health.Clinic, specialty string) *health.Request {
	sex := []string{"f", "m"}[rng.IntN(2)]
	complaints := demoComplaints[specialty]
	complaint := "Needs a specialist's opinion"
	if len(complaints) > 0 {
		complaint = complaints[rng.IntN(len(complaints))]
	}
	urgency := health.Routine
	switch n := rng.IntN(10); {
	case n == 0:
		urgency = health.Emergency
	case n < 4:
		urgency = health.Urgent
	}
	language := "zh"
	if rng.IntN(5) == 0 {
		language = "hmn"
	}
	return &health.Request{ClinicID: c.ID, Patient: health.Patient{Name: personName(rng, surname(rng), sex), Sex: sex, BirthYear: 1940 + rng.IntN(80)},
		Complaint: complaint, Specialty: specialty, Urgency: urgency, Language: language, Consent: true}
}
