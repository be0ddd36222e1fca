package web

import (
	"net/http"
	"strings"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// The needs' pages: the public list and a need's page with its money in and
// out, donating, the donor's own donations, and the officials' list where
// needs are posted, approved, delivered and cancelled.
func (s *Server) routeNeedPages() {
	s.page("GET /needs", s.needsPage)
	s.page("GET /needs/{id}", s.needPage)
	s.page("POST /needs/{id}/donate", s.donateSubmit)
	s.page("GET /donations", s.donationsPage)
	s.page("GET /donations/{id}", s.receiptPage)
	s.page("GET /needs/manage", s.manageNeedsPage)
	s.page("POST /needs/manage", s.needSubmit)
	s.page("POST /needs/{id}/{action}", s.needActionSubmit)
	s.routeSharePages()
}

type needCard struct {
	ID, Title, Region, Kind, State, Amount, In, Out, Remaining, Description, Note string
	// Photo is set when a photo proves the delivery.
	Photo bool
}

func (s *Server) needCard(n *engage.PublicNeed) needCard {
	return needCard{ID: n.ID, Title: n.Title, Region: n.Region, Kind: string(n.Kind), State: string(n.State),
		Amount: money(n.Amount, n.Currency), In: money(n.In, n.Currency), Out: money(n.Out, n.Currency),
		Remaining: money(n.Remaining, n.Currency), Description: n.Description, Note: n.DeliveryNote, Photo: n.DeliveryPhoto}
}

type needsData struct {
	Rows []needCard
}

func (s *Server) needsPage(w http.ResponseWriter, r *http.Request) {
	if s.Engage == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return
	}
	list, _, err := s.Engage.PublicNeeds(r.Context(), engage.NeedFilter{State: engage.NeedApproved, Limit: 100})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var d needsData
	codes := make([]string, len(list))
	for i, n := range list {
		codes[i] = n.Region
	}
	names := s.regionNames(r.Context(), codes)
	for _, n := range list {
		c := s.needCard(n)
		if nm := names[n.Region]; nm != "" {
			c.Region = nm
		}
		d.Rows = append(d.Rows, c)
	}
	s.render(w, r, http.StatusOK, "needs", s.newView(r, "needs.title", d))
}

type needData struct {
	Need     needCard
	Approved bool
	Likes    *engage.Likes
	// Donors are the latest paid gifts; an empty Name is anonymous.
	Donors []donorRow
	// ShareURL is the link of a share the viewer just made.
	ShareURL string
}

func (s *Server) needPage(w http.ResponseWriter, r *http.Request) {
	if s.Engage == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return
	}
	s.showNeed(w, r, http.StatusOK, nil)
}

func (s *Server) showNeed(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	n, err := s.Engage.PublicNeed(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c := s.needCard(n)
	if nm := s.regionNames(r.Context(), []string{n.Region})[n.Region]; nm != "" {
		c.Region = nm
	}
	likes, err := s.Engage.CountLikes(r.Context(), engage.ItemNeed, n.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	donors, err := s.Engage.PublicDonors(r.Context(), n.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := needData{Need: c, Approved: n.State == engage.NeedApproved, Likes: likes}
	for _, x := range donors {
		d.Donors = append(d.Donors, donorRow{Name: x.Name, Amount: money(x.Amount, x.Currency), At: x.At.UTC().Format("2006-01-02")})
	}
	if code := shareCode(r.URL.Query().Get("share")); code != "" {
		d.ShareURL = "/s/" + code
	}
	v := s.newView(r, "needs.title", d)
	if formErr != nil {
		v.Error = s.fieldMessage(v, formErr)
	}
	s.render(w, r, status, "need", v)
}

// donateSubmit opens a donation and sends the donor to pay it.
func (s *Server) donateSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	amount, ok := parseAmount(r.PostFormValue("amount"), 2)
	if !ok {
		s.showNeed(w, r, http.StatusBadRequest, tide.Invalid("amount", "give an amount such as 50 or 12.50"))
		return
	}
	d, err := s.Engage.Donate(r.Context(), r.PathValue("id"), amount)
	if tide.ErrorCode(err) == tide.EINVALID {
		s.showNeed(w, r, http.StatusBadRequest, err)
		return
	} else if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, d.CheckoutURL, http.StatusSeeOther)
}

type donorRow struct {
	Name, Amount, At string
}

type donationRow struct {
	ID, Need, Amount, State, At string
}

type donationsData struct {
	Rows   []donationRow
	Notice string
}

func (s *Server) donationsPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	if s.Engage == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return
	}
	list, _, err := s.Engage.Donations(r.Context(), engage.DonationFilter{Limit: 100})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := donationsData{Notice: noticeKey(r.URL.Query().Get("done"))}
	for _, x := range list {
		d.Rows = append(d.Rows, donationRow{ID: x.ID, Need: x.NeedID, Amount: money(x.Amount, x.Currency), State: string(x.State),
			At: x.CreatedAt.UTC().Format("2006-01-02 15:04")})
	}
	s.render(w, r, http.StatusOK, "donations", s.newView(r, "donations.title", d))
}

type manageNeedsData struct {
	Rows                  []*engage.Need
	MayApprove            bool
	Kind, Region, Title   string
	Household, Amount     string
	Description, Currency string
}

func (s *Server) manageNeedsPage(w http.ResponseWriter, r *http.Request) {
	s.showManageNeeds(w, r, http.StatusOK, manageNeedsData{}, nil)
}

func (s *Server) showManageNeeds(w http.ResponseWriter, r *http.Request, status int, d manageNeedsData, formErr error) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	if s.Engage == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return
	}
	rows, _, err := s.Engage.NeedsInArea(r.Context(), engage.NeedFilter{Limit: 200})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Rows, d.MayApprove = rows, a.HasAny(tide.RoleAdmin, tide.RoleCounty)
	if d.Region == "" {
		d.Region = a.Scope
	}
	v := s.newView(r, "needs.manage", d)
	if formErr != nil {
		v.Error = s.fieldMessage(v, formErr)
	}
	s.render(w, r, status, "needs_manage", v)
}

func (s *Server) needSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	d := manageNeedsData{Kind: r.PostFormValue("kind"), Region: strings.TrimSpace(r.PostFormValue("region")), Title: r.PostFormValue("title"),
		Household: strings.TrimSpace(r.PostFormValue("household")), Amount: r.PostFormValue("amount"), Description: r.PostFormValue("description")}
	amount, ok := parseAmount(d.Amount, 2)
	var err error
	if !ok {
		err = tide.Invalid("amount", "give an amount such as 300 or 12.50")
	} else {
		err = s.Engage.CreateNeed(r.Context(), &engage.Need{Kind: engage.Kind(d.Kind), Region: d.Region, Household: d.Household,
			Title: d.Title, Description: d.Description, Amount: amount, Currency: "CNY"})
	}
	if err != nil {
		if tide.ErrorCode(err) != tide.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.showManageNeeds(w, r, http.StatusBadRequest, d, err)
		return
	}
	http.Redirect(w, r, "/needs/manage", http.StatusSeeOther)
}

func (s *Server) needActionSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ctx, id := r.Context(), r.PathValue("id")
	var err error
	switch r.PathValue("action") {
	case "approve":
		_, err = s.Engage.ApproveNeed(ctx, id)
	case "cancel":
		_, err = s.Engage.CancelNeed(ctx, id)
	default:
		err = tide.NotFound("action")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/needs/manage", http.StatusSeeOther)
}

// sandboxOf returns the market's sandbox provider, if that is what pays.
func (s *Server) sandboxOf() (*market.Sandbox, bool) {
	if s.Market == nil {
		return nil, false
	}
	sb, ok := s.Market.Payments.(*market.Sandbox)
	return sb, ok
}

type receiptData struct {
	Need, NeedTitle, NeedState, Amount, At, Reference, Provider, State string
}

// receiptPage shows the donor the receipt of one of their donations.
func (s *Server) receiptPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	if s.Engage == nil {
		s.pageError(w, r, tide.NotFound("page"))
		return
	}
	rc, err := s.Engage.Receipt(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := receiptData{Need: rc.NeedID, NeedTitle: rc.NeedTitle, NeedState: string(rc.NeedState), Amount: money(rc.Amount, rc.Currency),
		At: rc.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), Reference: rc.ID, Provider: rc.Provider, State: string(rc.State)}
	s.render(w, r, http.StatusOK, "donation", s.newView(r, "receipt.title", d))
}
