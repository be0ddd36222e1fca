package web

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

func (s *Server) routeSellerPages() {
	s.page("GET /seller", s.sellerPage)
	s.page("POST /seller/products", s.productSubmit)
	s.page("POST /seller/products/{id}", s.productUpdateSubmit)
	s.mux.Handle("POST /seller/products/{id}/photos", s.uploadAuth(http.HandlerFunc(s.photoSubmit)))
	s.page("POST /seller/rooms", s.roomSubmit)
	s.page("POST /seller/rooms/{id}/status", s.roomStatusSubmit)
	s.page("POST /seller/orders/{id}/{action}", s.sellerOrderSubmit)
	s.page("GET /sellers", s.sellersPage)
	s.page("POST /sellers", s.sellerSubmit)
	s.page("POST /sellers/{id}/approve", s.approveSubmit)
}

type productRow struct {
	ID, Name, Unit, Price string
	Stock, Available      int64
	OnSale                bool
	Photos                []string
}

type sellerData struct {
	Sellers  []*market.Seller
	Seller   *market.Seller
	Products []productRow
	Rooms    []*market.Room
	ToShip   []orderRow
	Income   string
	Year     int
	Currency string
	Notice   string
}

// sellerActions are what the seller does with an order in each state.
func sellerActions(o *market.Order) []orderAction {
	base := "/seller/orders/" + o.ID + "/"
	switch o.State {
	case market.Paid:
		return []orderAction{{ID: o.ID, Action: "ship", Path: base + "ship", Tracking: true},
			{ID: o.ID, Action: "refund", Path: base + "refund", Danger: true}}
	case market.Shipped:
		return []orderAction{{ID: o.ID, Action: "deliver", Path: base + "deliver"}}
	}
	return nil
}

// pickSeller returns the caller's sellers and the one asked for (the first
// when none is named).
func (s *Server) pickSeller(r *http.Request, id string) ([]*market.Seller, *market.Seller, error) {
	sellers, err := s.Market.SellersOf(r.Context())
	if err != nil {
		return nil, nil, err
	}
	if id == "" && len(sellers) > 0 {
		return sellers, sellers[0], nil
	}
	for _, sl := range sellers {
		if sl.ID == id {
			return sellers, sl, nil
		}
	}
	if id == "" {
		return sellers, nil, nil
	}
	sl, err := s.Market.FindSeller(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	return append(sellers, sl), sl, nil
}

func (s *Server) sellerPage(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	s.showSeller(w, r, r.URL.Query().Get("seller"), http.StatusOK, nil)
}

// showSeller renders the console of seller id, with the error of a form
// above it when formErr is set.
func (s *Server) showSeller(w http.ResponseWriter, r *http.Request, id string, status int, formErr error) {
	ctx := r.Context()
	sellers, sl, err := s.pickSeller(r, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := sellerData{Sellers: sellers, Seller: sl, Year: time.Now().UTC().Year(), Currency: "CNY",
		Notice: noticeKey(r.URL.Query().Get("done"))}
	if sl != nil {
		products, _, err := s.Market.Products(ctx, market.ProductFilter{SellerID: sl.ID, Limit: 100})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, p := range products {
			avail, err := s.Market.Available(ctx, p.ID)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			d.Currency = p.Currency
			d.Products = append(d.Products, productRow{ID: p.ID, Name: p.Name, Unit: p.Unit, Price: money(p.Price, p.Currency),
				Stock: p.Stock, Available: avail, OnSale: p.OnSale, Photos: p.Photos})
		}
		if d.Rooms, _, err = s.Market.Rooms(ctx, market.RoomFilter{SellerID: sl.ID, Limit: 50}); err != nil {
			s.pageError(w, r, err)
			return
		}
		orders, _, err := s.Market.Orders(ctx, market.OrderFilter{SellerID: sl.ID, Limit: 200})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, o := range orders {
			if acts := sellerActions(o); acts != nil {
				d.ToShip = append(d.ToShip, s.orderRow(o, acts))
			}
		}
		inc, err := s.Market.Income(ctx, sl.ID, d.Year)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d.Income = money(inc.Net, d.Currency)
	}
	v := s.newView(r, "seller.title", d)
	if formErr != nil {
		v.Error = s.fieldMessage(v, formErr)
	}
	s.render(w, r, status, "seller", v)
}

// backToSeller returns to the console of the seller named in the form.
func backToSeller(w http.ResponseWriter, r *http.Request, done string) {
	http.Redirect(w, r, "/seller?seller="+urlQueryEscape(r.PostFormValue("seller"))+"&done="+done, http.StatusSeeOther)
}

// sellerFormError shows the console again with the error of a form above it.
func (s *Server) sellerFormError(w http.ResponseWriter, r *http.Request, err error) {
	if tide.ErrorCode(err) != tide.EINVALID {
		s.pageError(w, r, err)
		return
	}
	s.showSeller(w, r, r.PostFormValue("seller"), http.StatusBadRequest, err)
}

func formInt(r *http.Request, name string) (int64, error) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, tide.Invalid(name, "%s must be a whole number", name)
	}
	return n, nil
}

func (s *Server) productSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	p := &market.Product{SellerID: r.PostFormValue("seller"), Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Unit: r.PostFormValue("unit"), Origin: r.PostFormValue("origin"), OnSale: r.PostFormValue("on_sale") == "1", Currency: "CNY"}
	var err error
	price, ok := parseAmount(r.PostFormValue("price"), 2)
	if !ok {
		err = tide.Invalid("price", "price must be an amount such as 12.50")
	}
	p.Price = price
	if err == nil {
		p.Stock, err = formInt(r, "stock")
	}
	if err == nil {
		p.BuyerLimit, err = formInt(r, "buyer_limit")
	}
	if err == nil {
		err = s.Market.CreateProduct(r.Context(), p)
	}
	if err != nil {
		s.sellerFormError(w, r, err)
		return
	}
	backToSeller(w, r, "product")
}

func (s *Server) productUpdateSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ctx := r.Context()
	p, err := s.Market.FindProduct(ctx, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if p.Stock, err = formInt(r, "stock"); err == nil {
		p.OnSale = r.PostFormValue("on_sale") == "1"
		err = s.Market.UpdateProduct(ctx, p)
	}
	if err != nil {
		s.sellerFormError(w, r, err)
		return
	}
	backToSeller(w, r, "stock")
}

// photoSubmit streams an uploaded photo to the market, which checks its type
// and size; the CSRF token is the form's first field.
func (s *Server) photoSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, market.MaxPhotoBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		s.pageError(w, r, tide.Invalid("photo", "send the photo as a multipart form"))
		return
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "csrf" || !s.uploadCSRF(r, part) {
		s.renderError(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	seller := ""
	for {
		part, err = mr.NextPart()
		if err != nil {
			s.pageError(w, r, tide.Invalid("photo", "choose a photo to upload"))
			return
		}
		if part.FormName() == "seller" {
			if b, err := io.ReadAll(io.LimitReader(part, 100)); err == nil {
				seller = string(b)
			}
			continue
		}
		if part.FormName() == "photo" {
			break
		}
	}
	if _, err := s.Market.AddPhoto(r.Context(), r.PathValue("id"), part); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/seller?seller="+urlQueryEscape(seller)+"&done=photo", http.StatusSeeOther)
}

func (s *Server) roomSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, tide.Invalid("form", "the form could not be read"))
		return
	}
	rm := &market.Room{SellerID: r.PostFormValue("seller"), Title: r.PostFormValue("title"),
		StreamURL: r.PostFormValue("stream_url"), Products: r.PostForm["product"]}
	if err := s.Market.CreateRoom(r.Context(), rm); err != nil {
		s.sellerFormError(w, r, err)
		return
	}
	backToSeller(w, r, "room")
}

func (s *Server) roomStatusSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	to := market.RoomStatus(r.PostFormValue("status"))
	if _, err := s.Market.SetRoomStatus(r.Context(), r.PathValue("id"), to); err != nil {
		s.sellerFormError(w, r, err)
		return
	}
	backToSeller(w, r, string(to))
}

func (s *Server) sellerOrderSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	ctx, id, action := r.Context(), r.PathValue("id"), r.PathValue("action")
	var o *market.Order
	var err error
	switch action {
	case "ship":
		o, err = s.Market.Ship(ctx, id, r.PostFormValue("tracking"))
	case "deliver":
		o, err = s.Market.Deliver(ctx, id)
	case "refund":
		o, err = s.Market.Refund(ctx, id, r.PostFormValue("reason"))
	default:
		err = tide.NotFound("action")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p, err := s.Market.FindProduct(ctx, o.ProductID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/seller?seller="+urlQueryEscape(p.SellerID)+"&done="+action, http.StatusSeeOther)
}

type sellersData struct {
	Rows []*market.Seller
	Form sellerForm
}

// sellerForm is what an official typed to register a seller: members one a
// line as "REF SHARE", shares in percent.
type sellerForm struct {
	Name, Kind, Region, Household, Members, Account string
}

// seller reads the form into a seller, naming the line of a bad member.
func (f sellerForm) seller(ctx context.Context, users *user.Service) (*market.Seller, error) {
	sl := &market.Seller{Name: f.Name, Kind: market.SellerKind(f.Kind), Region: f.Region, Household: strings.TrimSpace(f.Household)}
	for i, line := range strings.Split(f.Members, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, tide.Invalid("members", "line %d: want a household reference and its share in percent", i+1)
		}
		pct, ok := parseAmount(strings.TrimSuffix(fields[1], "%"), 2)
		if !ok || pct <= 0 {
			return nil, tide.Invalid("members", "line %d: share %q is not a percentage", i+1, fields[1])
		}
		sl.Members = append(sl.Members, market.Member{Household: fields[0], Share: pct})
	}
	if name := strings.TrimSpace(f.Account); name != "" {
		u, err := users.FindInArea(ctx, name)
		if tide.ErrorCode(err) == tide.ENOTFOUND {
			return nil, tide.Invalid("account", "no account %s in your area", name)
		} else if err != nil {
			return nil, err
		}
		sl.UserID = u.ID
	}
	return sl, nil
}

// sellersPage lists the sellers in the officer's area, pending ones first,
// for the county's approval.
func (s *Server) sellersPage(w http.ResponseWriter, r *http.Request) {
	s.showSellers(w, r, http.StatusOK, sellerForm{}, nil)
}

func (s *Server) showSellers(w http.ResponseWriter, r *http.Request, status int, f sellerForm, formErr error) {
	a := s.signedIn(w, r)
	if a == nil {
		return
	}
	if !a.HasAny(tide.RoleAdmin, tide.RoleCounty) {
		s.pageError(w, r, tide.Errorf(tide.EFORBIDDEN, "forbidden"))
		return
	}
	rows, _, err := s.Market.Sellers(r.Context(), market.SellerFilter{Limit: 200})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if f.Region == "" {
		f.Region = a.Scope
	}
	v := s.newView(r, "sellers.title", sellersData{Rows: rows, Form: f})
	if formErr != nil {
		v.Error = s.fieldMessage(v, formErr)
	}
	s.render(w, r, status, "sellers", v)
}

// sellerSubmit registers a seller; it waits for approval like any other.
func (s *Server) sellerSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	f := sellerForm{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Region: strings.TrimSpace(r.PostFormValue("region")),
		Household: r.PostFormValue("household"), Members: r.PostFormValue("members"), Account: r.PostFormValue("account")}
	sl, err := f.seller(r.Context(), s.Users)
	if err == nil {
		err = s.Market.CreateSeller(r.Context(), sl)
	}
	if err != nil {
		if tide.ErrorCode(err) != tide.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.showSellers(w, r, http.StatusBadRequest, f, err)
		return
	}
	http.Redirect(w, r, "/sellers", http.StatusSeeOther)
}

func (s *Server) approveSubmit(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	if _, err := s.Market.ApproveSeller(r.Context(), r.PathValue("id")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/sellers", http.StatusSeeOther)
}
