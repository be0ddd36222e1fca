package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// The market's pages: the public list of live rooms, a live room, sign-up for
// the public, the buyer's orders and the sandbox provider's checkout. The
// seller's console and the county's approvals are in pages_seller.go.
func (s *Server) routeMarketPages() {
	s.page("GET /market", s.marketPage)
	s.page("GET /rooms/{room}", s.roomPage)
	s.page("GET /signup", s.signupPage)
	s.page("POST /signup/code", s.signupCode)
	s.page("POST /signup", s.signupSubmit)
	s.page("GET /orders", s.ordersPage)
	s.page("POST /orders/{id}/{action}", s.orderSubmit)
	s.page("GET /sandbox/pay", s.sandboxPage)
	s.page("POST /sandbox/pay", s.sandboxSubmit)
	s.routeSellerPages()
	s.routeNeedPages()
}

// money shows minor units in major units with the currency code.
func money(minor int64, currency string) string {
	return formatAmount(minor, 2) + " " + currency
}

type roomCard struct {
	ID, Title, Seller, StartsAt string
	Likes                       int64
}

type marketData struct {
	Live, Scheduled []roomCard
}

func (s *Server) marketPage(w http.ResponseWriter, r *http.Request) {
	var d marketData
	for _, st := range []market.RoomStatus{market.RoomLive, market.RoomScheduled} {
		rooms, _, err := s.Market.Rooms(r.Context(), market.RoomFilter{Status: st, Limit: 50})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, rm := range rooms {
			c := roomCard{ID: rm.ID, Title: rm.Title, Likes: rm.Likes, StartsAt: rm.StartsAt.UTC().Format("2006-01-02 15:04 UTC")}
			if sl, err := s.Market.FindSeller(r.Context(), rm.SellerID); err == nil {
				c.Seller = sl.Name
			}
			if st == market.RoomLive {
				d.Live = append(d.Live, c)
			} else {
				d.Scheduled = append(d.Scheduled, c)
			}
		}
	}
	s.render(w, r, http.StatusOK, "market", s.newView(r, "market.title", d))
}

type roomProduct struct {
	ID, Name, Unit, Price, Origin, Description, Photo string
	Available                                         int64
}

type commentView struct {
	ID, Author, Text string
}

type roomData struct {
	Room        *market.Room
	Seller      string
	Products    []roomProduct
	Comments    []commentView
	MayModerate bool
}

// roomCSP lets the live room play a stream from any streaming service: the
// media and the playlist requests go to the stream's host, and hls.js feeds
// the video element from blob: URLs.
const roomCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"media-src 'self' blob: https: http:; connect-src 'self' https: http:; worker-src 'self' blob:; frame-ancestors 'none'"

func (s *Server) roomPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rm, err := s.Market.FindRoom(ctx, r.PathValue("room"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := roomData{Room: rm}
	if sl, err := s.Market.FindSeller(ctx, rm.SellerID); err == nil {
		d.Seller = sl.Name
	}
	d.MayModerate = s.Market.MayModerate(ctx, rm)
	for _, id := range rm.Products {
		p, err := s.Market.FindProduct(ctx, id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		rp := roomProduct{ID: p.ID, Name: p.Name, Unit: p.Unit, Price: money(p.Price, p.Currency), Origin: p.Origin,
			Description: p.Description}
		if len(p.Photos) > 0 {
			rp.Photo = p.Photos[0]
		}
		if rp.Available, err = s.Market.Available(ctx, p.ID); err != nil {
			s.pageError(w, r, err)
			return
		}
		d.Products = append(d.Products, rp)
	}
	origins := make([]string, len(d.Products))
	for i, p := range d.Products {
		origins[i] = p.Origin
	}
	names := s.regionNames(ctx, origins)
	for i := range d.Products {
		if n := names[d.Products[i].Origin]; n != "" {
			d.Products[i].Origin = n
		}
	}
	cs, err := s.Market.Comments(ctx, rm.ID, 50)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, c := range cs {
		d.Comments = append(d.Comments, commentView{ID: c.ID, Author: c.Author, Text: c.Text})
	}
	w.Header().Set("Content-Security-Policy", roomCSP)
	s.render(w, r, http.StatusOK, "room", s.newView(r, "room.title", d))
}

type signupData struct {
	// CodeSent is set once a code went to Contact: the page asks for it
	// and the account's details.
	CodeSent                                     bool
	Contact, Name, DisplayName, HomeRegion, Next string
}

func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) {
	if tide.ActorFrom(r.Context()) != nil {
		http.Redirect(w, r, "/market", http.StatusSeeOther)
		return
	}
	next := r.URL.Query().Get("next")
	if next == "" {
		next = "/market"
	}
	s.render(w, r, http.StatusOK, "signup", s.newView(r, "signup.title", signupData{Next: localPath(next)}))
}

func (s *Server) signupForm(r *http.Request) signupData {
	return signupData{Contact: strings.TrimSpace(r.PostFormValue("contact")), Name: strings.TrimSpace(r.PostFormValue("name")),
		DisplayName: strings.TrimSpace(r.PostFormValue("display_name")), HomeRegion: strings.TrimSpace(r.PostFormValue("home_region")),
		Next: localPath(r.PostFormValue("next"))}
}

// signupRefused shows the sign-up form again with the reason, or the error
// page for anything the person cannot fix.
func (s *Server) signupRefused(w http.ResponseWriter, r *http.Request, d signupData, err error) {
	if c := tide.ErrorCode(err); c != tide.EINVALID && c != tide.ECONFLICT && c != tide.ETOOMANY {
		s.pageError(w, r, err)
		return
	}
	v := s.newView(r, "signup.title", d)
	v.Error = tide.ErrorMessage(err)
	s.render(w, r, ErrorStatus(err), "signup", v)
}

// signupCode sends the one-time code and asks for it.
func (s *Server) signupCode(w http.ResponseWriter, r *http.Request) {
	d := s.signupForm(r)
	if err := s.Users.SendCode(r.Context(), d.Contact); err != nil {
		s.signupRefused(w, r, d, err)
		return
	}
	d.CodeSent = true
	d.Contact, _ = user.NormalContact(d.Contact) // it was just accepted
	v := s.newView(r, "signup.title", d)
	s.render(w, r, http.StatusOK, "signup", v)
}

func (s *Server) signupSubmit(w http.ResponseWriter, r *http.Request) {
	d := s.signupForm(r)
	d.CodeSent = true
	secret, _, err := s.Users.SignUp(r.Context(), user.NewPublic{Contact: d.Contact, Code: r.PostFormValue("code"), Name: d.Name,
		DisplayName: d.DisplayName, Password: r.PostFormValue("password"), HomeRegion: d.HomeRegion})
	if err != nil {
		s.signupRefused(w, r, d, err)
		return
	}
	s.setCookie(w, r, sessionCookie, secret, int(user.SessionTTL.Seconds()))
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// orderAction is one button on an order's row.
type orderAction struct {
	ID, Action, Path string
	Tracking, Danger bool
}

type orderRow struct {
	ID, Product, Total, State, At, Tracking string
	Quantity                                int64
	Actions                                 []orderAction
}

type ordersData struct {
	Rows   []orderRow
	Notice string
}

// buyerActions are what a buyer may do with an order in each state.
func buyerActions(o *market.Order) []orderAction {
	var acts []orderAction
	add := func(action string, danger bool) {
		acts = append(acts, orderAction{ID: o.ID, Action: action, Path: "/orders/" + o.ID + "/" + action, Danger: danger})
	}
	switch o.State {
	case market.Placed:
		add("pay", false)
		add("cancel", true)
	case market.Shipped:
		add("deliver", false)
	}
	return acts
}

func (s *Server) orderRow(o *market.Order, acts []orderAction) orderRow {
	return orderRow{ID: o.ID, Product: o.ProductName, Total: money(o.Total, o.Currency), State: string(o.State),
		At: o.CreatedAt.UTC().Format("2006-01-02 15:04"), Tracking: o.Tracking, Quantity: o.Quantity, Actions: acts}
}

func (s *Server) ordersPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	orders, _, err := s.Market.Orders(r.Context(), market.OrderFilter{Mine: true, Limit: 100})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := ordersData{Notice: noticeKey(r.URL.Query().Get("done"))}
	for _, o := range orders {
		d.Rows = append(d.Rows, s.orderRow(o, buyerActions(o)))
	}
	s.render(w, r, http.StatusOK, "orders", s.newView(r, "orders.title", d))
}

// noticeActions are the finished actions a redirect may name for a notice.
var noticeActions = []string{"pay", "paid", "cancel", "deliver", "ship", "refund", "declined", "product", "room", "photo",
	"live", "ended", "approve", "stock"}

// noticeKey turns a finished action named in a redirect into its message.
func noticeKey(done string) string {
	if slices.Contains(noticeActions, done) {
		return "notice." + done
	}
	return ""
}

func (s *Server) orderSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ctx, id, action := r.Context(), r.PathValue("id"), r.PathValue("action")
	var err error
	switch action {
	case "pay":
		var p *market.Payment
		if p, err = s.Market.Pay(ctx, id); err == nil {
			http.Redirect(w, r, p.CheckoutURL, http.StatusSeeOther)
			return
		}
	case "cancel":
		_, err = s.Market.CancelOrder(ctx, id)
	case "deliver":
		_, err = s.Market.Deliver(ctx, id)
	default:
		err = tide.NotFound("action")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/orders?done="+action, http.StatusSeeOther)
}

type sandboxData struct {
	Payment, Product, Amount string
}

// sandboxPayment is what the sandbox checkout settles: an order's payment or
// a donation, found for the signed-in payer only.
type sandboxPayment struct {
	id, what, provider, currency string
	amount                       int64
	donation                     bool
}

func (s *Server) findSandboxPayment(r *http.Request, id string) (*sandboxPayment, error) {
	p, o, err := s.Market.FindPayment(r.Context(), id)
	if err == nil {
		return &sandboxPayment{id: p.ID, what: o.ProductName, provider: p.Provider, currency: p.Currency, amount: p.Amount}, nil
	}
	if tide.ErrorCode(err) != tide.ENOTFOUND {
		return nil, err
	}
	if s.Engage == nil {
		return nil, tide.NotFound("payment")
	}
	d, err := s.Engage.FindDonation(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &sandboxPayment{id: d.ID, what: "donation", provider: d.Provider, currency: d.Currency, amount: d.Amount, donation: true}, nil
}

// sandboxPage is the built-in provider's checkout: it stands where a real
// provider's payment page would, and answers through a signed callback.
func (s *Server) sandboxPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	p, err := s.findSandboxPayment(r, r.URL.Query().Get("payment"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := s.newView(r, "sandbox.title", sandboxData{Payment: p.id, Product: p.what, Amount: money(p.amount, p.currency)})
	if p.donation {
		v.Data = sandboxData{Payment: p.id, Product: v.T("donations.gift"), Amount: money(p.amount, p.currency)}
	}
	s.render(w, r, http.StatusOK, "sandbox", v)
}

func (s *Server) sandboxSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ctx := r.Context()
	p, err := s.findSandboxPayment(r, r.PostFormValue("payment"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	sandbox, ok := s.sandboxOf()
	if !ok || p.provider != sandbox.Name() {
		s.pageError(w, r, tide.NotFound("payment"))
		return
	}
	outcome := r.PostFormValue("outcome")
	if outcome != market.PaymentSucceeded && outcome != market.PaymentDeclined {
		s.pageError(w, r, tide.Invalid("outcome", "outcome must be succeeded or failed"))
		return
	}
	h, body := sandbox.Sign(market.PaymentEvent{PaymentID: p.id, Status: outcome, Amount: p.amount, Currency: p.currency})
	back := "/orders"
	if p.donation {
		err, back = s.Engage.DonationCallback(ctx, sandbox.Name(), h, body), "/donations"
	} else {
		err = s.Market.PaymentCallback(ctx, sandbox.Name(), h, body)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	done := "paid"
	if outcome == market.PaymentDeclined {
		done = "declined"
	}
	http.Redirect(w, r, back+"?done="+done, http.StatusSeeOther)
}
