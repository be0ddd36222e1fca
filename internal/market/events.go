package market

import "time"

// Events is told of what live viewers should see at once: sales, stock,
// comments and room status. The live hub implements it; its methods must not
// block, since Sold is called after every order.
type Events interface {
	// Sold reports an order of quantity units and what is left available.
	Sold(room, product string, quantity, available int64)
	// Stock reports a product's available units after a restock, a
	// cancellation or an expiry.
	Stock(product string, available int64)
	Commented(room, id, author, text string, at time.Time)
	CommentRemoved(room, id string)
	RoomStatus(room, status string)
}
